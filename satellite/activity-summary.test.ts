import { describe, expect, it } from 'vitest';
import { ActivitySummary, type AgentActivity } from './activity-summary.ts';

describe('ActivitySummary', () => {
  it('reports each period since the previous one; buffered results and the gateway as they are now; the first connection is no reconnect', () => {
    let activity: AgentActivity = { checksRun: 0, checksOk: 0, checksFailed: 0, resultsAcked: 0, resultsDropped: 0, resultsBuffered: 0, connections: 0, gateway: null };
    const summary = new ActivitySummary(() => activity, 1_000);

    activity = { checksRun: 5, checksOk: 4, checksFailed: 1, resultsAcked: 3, resultsDropped: 0, resultsBuffered: 2, connections: 1, gateway: 'ws://a' };
    expect(summary.next(61_000)).toEqual({ periodMs: 60_000, checksRun: 5, checksOk: 4, checksFailed: 1, resultsAcked: 3, resultsDropped: 0, resultsBuffered: 2, gateway: 'ws://a', reconnects: 0 });

    activity = { checksRun: 8, checksOk: 5, checksFailed: 3, resultsAcked: 10, resultsDropped: 1, resultsBuffered: 0, connections: 3, gateway: 'ws://b' };
    expect(summary.next(121_000)).toEqual({ periodMs: 60_000, checksRun: 3, checksOk: 1, checksFailed: 2, resultsAcked: 7, resultsDropped: 1, resultsBuffered: 0, gateway: 'ws://b', reconnects: 2 });

    activity = { ...activity, gateway: null };
    expect(summary.next(131_000)).toMatchObject({ periodMs: 10_000, checksRun: 0, reconnects: 0, gateway: null });
  });
});
