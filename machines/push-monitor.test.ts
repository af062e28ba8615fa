import { describe, expect, it } from 'vitest';
import { checkDefinition, checkEventSchema, checkMachine, type CheckEvent } from './check.machine.ts';
import { pushMonitorEnded, pushResultsOf } from './push-monitor.ts';
import { changesOf, send as step, start } from './test-support.ts';

const create = (at: number) => ({ ...checkEventSchema.parse({ type: 'create', systemId: 'backups', strategy: { kind: 'push', periodMs: 60_000, graceMs: 10_000 } }), at }) as CheckEvent;
const ping = (at: number, extra: Record<string, unknown> = {}) => ({ ...checkEventSchema.parse({ type: 'ping', ...extra }), at }) as CheckEvent;
const due = (dueAt: number, at = dueAt) => ({ type: 'push_due', dueAt, at }) as CheckEvent;

describe('push monitors', () => {
  it('wait a period plus grace from creation, then from each ping; one durable timer at the deadline', () => {
    let snapshot = step(checkMachine, start(checkMachine, 'nightly'), create(1_000));
    expect(checkDefinition.timers(snapshot)).toEqual([{ name: 'push', dueAt: 71_000, event: { type: 'push_due', dueAt: 71_000 } }]);
    snapshot = step(checkMachine, snapshot, ping(50_000));
    expect(snapshot.context.push).toMatchObject({ since: 50_000, dueAt: 120_000, misses: 0, lastPing: { at: 50_000, status: 'up', message: null } });
    // A stale deadline and an early firing change nothing.
    expect(snapshot.can(due(71_000))).toBe(false);
    expect(snapshot.can(due(120_000, 119_999))).toBe(false);
    snapshot = step(checkMachine, snapshot, due(120_000));
    expect(snapshot.context.push).toMatchObject({ dueAt: 180_000, misses: 1, lastMissAt: 120_000 });
    snapshot = step(checkMachine, snapshot, { type: 'delete', at: 130_000 });
    expect(checkDefinition.timers(snapshot)).toEqual([]);
  });

  it('turn pings and misses into results, each once, with the ping time or the deadline as executedAt', () => {
    const changes = changesOf(checkDefinition, [create(0), ping(30_000), due(100_000), due(160_000, 400_000), ping(470_000, { status: 'down', message: 'disk full' }), ping(480_000)], 'nightly');
    const results = changes.flatMap((change) => pushResultsOf(change));
    expect(results.map(({ success, executedAt, error }) => ({ success, executedAt, kind: error?.kind }))).toEqual([
      { success: true, executedAt: 30_000, kind: undefined },
      { success: false, executedAt: 100_000, kind: 'missed' },
      // Fired late: one miss for the deadline, the periods after it while nothing fired are skipped.
      { success: false, executedAt: 160_000, kind: 'missed' },
      // A ping after its deadline (460 000) but before the timer fired records that miss first.
      { success: false, executedAt: 460_000, kind: 'missed' },
      { success: false, executedAt: 470_000, kind: 'reported' },
      { success: true, executedAt: 480_000, kind: undefined },
    ]);
    expect(results[4]).toMatchObject({ checkId: 'nightly', systemId: 'backups', source: 'push', resultId: 'push:ping:470000', error: { message: 'disk full' }, message: 'disk full' });
    expect(new Set(results.map((result) => result.resultId)).size).toBe(results.length);
  });

  it('have no satellites, and end when the check is deleted or stops being a push check', () => {
    expect(checkEventSchema.safeParse({ type: 'create', systemId: 's', strategy: { kind: 'push', periodMs: 60_000 }, satelliteIds: ['sat-1'] }).success).toBe(false);
    expect(checkEventSchema.safeParse({ type: 'create', systemId: 's', strategy: { kind: 'push', periodMs: 500 } }).success).toBe(false);
    let snapshot = step(checkMachine, start(checkMachine, 'nightly'), create(0));
    expect(snapshot.can({ type: 'update', satelliteIds: ['sat-1'], at: 1 })).toBe(false);
    const [created, becameHttp] = changesOf(checkDefinition, [create(0), { type: 'update', strategy: { kind: 'tcp', host: 'db', port: 5432, timeoutMs: 1_000 }, at: 5 }], 'nightly');
    expect(pushMonitorEnded(created!)).toBe(false);
    expect(pushMonitorEnded(becameHttp!)).toBe(true);
    expect(becameHttp!.changedFields).toContain('push');
    // Not a push check: no ping.
    snapshot = step(checkMachine, start(checkMachine, 'web'), { ...checkEventSchema.parse({ type: 'create', systemId: 's', strategy: { kind: 'http', url: 'http://s.test/' } }), at: 0 } as CheckEvent);
    expect(snapshot.can(ping(10))).toBe(false);
  });
});
