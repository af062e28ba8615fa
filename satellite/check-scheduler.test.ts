import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Assignment } from '../protocol/satellite-protocol.ts';
import { CheckScheduler } from './check-scheduler.ts';

const check = (checkId: string, intervalMs: number): Assignment => ({
  checkId,
  systemId: 'shop',
  strategy: { kind: 'tcp', host: '127.0.0.1', port: 1, timeoutMs: 100 },
  intervalMs,
});

afterEach(() => vi.useRealTimers());

describe('CheckScheduler', () => {
  it('runs each check at once, then on a fixed grid that a slow run does not shift', async () => {
    vi.useFakeTimers();
    const runs: Array<[string, number]> = [];
    const scheduler = new CheckScheduler(async (assignment) => {
      runs.push([assignment.checkId, Date.now()]);
      await new Promise((resolve) => setTimeout(resolve, 300)); // a slow check
    });
    const start = Date.now();
    scheduler.update([check('a', 1_000)]);
    await vi.advanceTimersByTimeAsync(3_500);
    expect(runs.map(([, at]) => at - start)).toEqual([0, 1_000, 2_000, 3_000]);
    scheduler.stop();
  });

  it('starts new checks, stops removed ones and restarts changed ones', async () => {
    vi.useFakeTimers();
    const runs: string[] = [];
    const scheduler = new CheckScheduler(async (assignment) => void runs.push(`${assignment.checkId}/${assignment.intervalMs}`));
    scheduler.update([check('a', 1_000), check('b', 1_000)]);
    await vi.advanceTimersByTimeAsync(10);
    scheduler.update([check('a', 2_000)]);
    expect(scheduler.size).toBe(1);
    await vi.advanceTimersByTimeAsync(2_010);
    expect(runs).toEqual(['a/1000', 'b/1000', 'a/2000', 'a/2000']);
    scheduler.stop();
  });
});
