import { describe, expect, it } from 'vitest';
import {
  automationScheduleDefinition,
  automationScheduleEventSchema,
  automationScheduleId,
  automationScheduleMachine,
  automationScheduleStateSchema,
  type AutomationScheduleEvent,
} from './automation-schedule.machine.ts';
import { run, send, start } from './test-support.ts';

const utc = (text: string) => Date.parse(`${text}:00Z`);
const minute = 60_000;
const id = 'report:every';
const everyMinute = { kind: 'interval', everyMs: minute } as const;
const nineBerlin = { kind: 'cron', cron: '0 9 * * *', timezone: 'Europe/Berlin' } as const;
type Configure = Extract<AutomationScheduleEvent, { type: 'configure' }>;
const configure = (automationVersion: number, schedule: Configure['schedule'], at: number): Configure =>
  ({ type: 'configure', automationId: 'report', triggerId: 'every', automationVersion, schedule, at });
const stop = (automationVersion: number, at: number, reason = 'the automation was disabled'): AutomationScheduleEvent =>
  ({ type: 'stop', automationId: 'report', triggerId: 'every', automationVersion, reason, at });
const tick = (dueAt: number, at = dueAt): AutomationScheduleEvent => ({ type: 'tick', dueAt, at });
const schedule = (...events: AutomationScheduleEvent[]) => run(automationScheduleMachine, events, id);
type Snapshot = ReturnType<typeof schedule>;
const stateOf = (snapshot: Snapshot) => automationScheduleStateSchema.parse(automationScheduleDefinition.toState(snapshot));
const timersOf = (snapshot: Snapshot) => automationScheduleDefinition.timers(snapshot);

const t0 = utc('2026-03-02T10:00') + 20_000; // 10:00:20
const armed = () => schedule(configure(3, everyMinute, t0));

describe('automation_schedule machine: configure', () => {
  it('does not exist before configure; ticks are refused', () => {
    const absent = start(automationScheduleMachine, id);
    expect(automationScheduleDefinition.toState(absent)).toBeNull();
    expect(timersOf(absent)).toEqual([]);
    expect(absent.can(tick(t0))).toBe(false);
  });

  it('arms the first occurrence strictly after `at`, with a durable timer for it', () => {
    const snapshot = armed();
    expect(stateOf(snapshot)).toEqual({
      scheduleId: id, automationId: 'report', triggerId: 'every', automationVersion: 3, schedule: everyMinute,
      status: 'armed', nextAt: utc('2026-03-02T10:01'), fired: 0, lastScheduledAt: null, lastFiredAt: null, configuredAt: t0, stopReason: null,
    });
    expect(timersOf(snapshot)).toEqual([{ name: 'occurrence', dueAt: utc('2026-03-02T10:01'), event: { type: 'tick', dueAt: utc('2026-03-02T10:01') } }]);
    // A cron schedule on the wall clock of its zone: 09:00 in Berlin is 08:00 UTC in winter.
    expect(stateOf(schedule(configure(1, nineBerlin, t0))).nextAt).toBe(utc('2026-03-03T08:00'));
  });

  it('refuses a configure for another automation trigger than its id says', () => {
    const absent = start(automationScheduleMachine, id);
    expect(absent.can({ ...configure(1, everyMinute, t0), triggerId: 'other' })).toBe(false);
    expect(absent.can({ ...configure(1, everyMinute, t0), automationId: 'reports' })).toBe(false);
  });

  it('the same schedule again keeps the pending occurrence; only a newer version is recorded', () => {
    const before = armed();
    const same = send(automationScheduleMachine, before, configure(3, everyMinute, t0 + 30_000));
    expect(same.context).toEqual(before.context);
    const newer = send(automationScheduleMachine, before, configure(4, everyMinute, t0 + 30_000));
    expect(stateOf(newer)).toEqual({ ...stateOf(before), automationVersion: 4 });
  });

  it('a different schedule re-plans from `at`', () => {
    const snapshot = send(automationScheduleMachine, armed(), configure(4, nineBerlin, t0 + 30_000));
    expect(stateOf(snapshot)).toMatchObject({ schedule: nineBerlin, nextAt: utc('2026-03-03T08:00'), configuredAt: t0 + 30_000, automationVersion: 4 });
  });

  it('refuses configure and stop from an older automation version', () => {
    const snapshot = armed();
    expect(snapshot.can(configure(2, nineBerlin, t0))).toBe(false);
    expect(snapshot.can(stop(2, t0))).toBe(false);
  });

  it('validates the schedule: cron, time zone (UTC by default), interval of at least 1 s', () => {
    const parse = (value: Record<string, unknown>) => automationScheduleEventSchema.safeParse({ type: 'configure', automationId: 'a', triggerId: 't', automationVersion: 1, ...value });
    expect(parse({ schedule: { kind: 'cron', cron: '@hourly' } }).data).toMatchObject({ schedule: { kind: 'cron', cron: '@hourly', timezone: 'UTC' } });
    expect(parse({ schedule: { kind: 'cron', cron: '0 9 * *' } }).success).toBe(false);
    expect(parse({ schedule: { kind: 'cron', cron: '0 9 * * *', timezone: 'Mars/Olympus' } }).success).toBe(false);
    expect(parse({ schedule: { kind: 'interval', everyMs: 999 } }).success).toBe(false);
    expect(parse({ schedule: { kind: 'interval', everyMs: 1000 }, automationVersion: 0 }).success).toBe(false);
  });
});

describe('automation_schedule machine: ticks', () => {
  const first = utc('2026-03-02T10:01');

  it('a tick at its due time records the occurrence and arms the next one', () => {
    const snapshot = send(automationScheduleMachine, armed(), tick(first, first + 15));
    expect(stateOf(snapshot)).toMatchObject({ status: 'armed', fired: 1, lastScheduledAt: first, lastFiredAt: first + 15, nextAt: first + minute });
    expect(timersOf(snapshot)).toEqual([{ name: 'occurrence', dueAt: first + minute, event: { type: 'tick', dueAt: first + minute } }]);
  });

  it('never early, never for another occurrence, never twice', () => {
    const snapshot = armed();
    expect(snapshot.can(tick(first, first - 1))).toBe(false);
    expect(snapshot.can(tick(first - minute, first))).toBe(false);
    const fired = send(automationScheduleMachine, snapshot, tick(first));
    expect(fired.can(tick(first, first + 5))).toBe(false);
  });

  it('late after an outage: fires once for the missed occurrence, skips the rest, arms the first after `at`', () => {
    const late = utc('2026-03-02T13:30') + 7_000; // 10:01 … 13:30: 210 occurrences due, one fires
    const snapshot = send(automationScheduleMachine, armed(), tick(first, late));
    expect(stateOf(snapshot)).toMatchObject({ fired: 1, lastScheduledAt: first, lastFiredAt: late, nextAt: utc('2026-03-02T13:31') });
  });
});

describe('automation_schedule machine: stop', () => {
  it('stops: no pending occurrence, no timer, ticks refused', () => {
    const snapshot = send(automationScheduleMachine, armed(), stop(4, t0 + 1));
    expect(stateOf(snapshot)).toMatchObject({ status: 'stopped', nextAt: null, automationVersion: 4, stopReason: 'the automation was disabled' });
    expect(timersOf(snapshot)).toEqual([]);
    expect(snapshot.can(tick(utc('2026-03-02T10:01')))).toBe(false);
  });

  it('configured again: plans from `at`, without catching up on the stopped time', () => {
    const later = utc('2026-03-02T18:00') + 1;
    const snapshot = schedule(configure(3, everyMinute, t0), stop(4, t0 + 1), configure(5, everyMinute, later));
    expect(stateOf(snapshot)).toMatchObject({ status: 'armed', nextAt: utc('2026-03-02T18:01'), configuredAt: later, stopReason: null, fired: 0 });
  });

  it('a stop that overtakes the configure before it wins: the late configure is refused', () => {
    const stopped = schedule(stop(6, t0, 'the trigger was removed'));
    expect(stateOf(stopped)).toMatchObject({ status: 'stopped', automationId: 'report', triggerId: 'every', schedule: null, automationVersion: 6 });
    expect(stopped.can(configure(5, everyMinute, t0 + 1))).toBe(false);
    // A newer stop still moves the version on, so a configure between them is refused too.
    const again = send(automationScheduleMachine, send(automationScheduleMachine, armed(), stop(4, t0 + 1)), stop(8, t0 + 2, 'the trigger was removed'));
    expect(stateOf(again)).toMatchObject({ automationVersion: 8, stopReason: 'the trigger was removed' });
    expect(again.can(configure(7, everyMinute, t0 + 3))).toBe(false);
  });
});

describe('automationScheduleId', () => {
  it('is <automationId>:<triggerId>, shortened with a hash past 128 characters', () => {
    expect(automationScheduleId('report', 'every')).toBe('report:every');
    const automationId = 'a'.repeat(64);
    const long = automationScheduleId(automationId, 'b'.repeat(64));
    expect(long).toHaveLength(128);
    expect(long).toMatch(/^a{64}:b{54}-[0-9a-f]{8}$/);
    expect(automationScheduleId(automationId, `${'b'.repeat(63)}c`)).not.toBe(long);
    expect(automationScheduleId(automationId, 'b'.repeat(63))).toBe(`${automationId}:${'b'.repeat(63)}`);
  });
});
