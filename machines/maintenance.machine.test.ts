import { describe, expect, it } from 'vitest';
import type { MaintenanceSchedule } from './maintenance-schedule.ts';
import {
  maintenanceDefinition,
  maintenanceEventSchema,
  maintenanceMachine,
  maintenanceStateSchema,
  type MaintenanceEvent,
} from './maintenance.machine.ts';
import { run, send, start } from './test-support.ts';

const utc = (text: string) => Date.parse(`${text}:00Z`);
const hour = 3_600_000;
/** Mondays and Wednesdays 10:00-12:00 UTC. */
const weekly: MaintenanceSchedule = { kind: 'recurring', timezone: 'UTC', weekdays: ['mon', 'wed'], startTime: '10:00', durationMinutes: 120 };
const once = (startsAt: number, endsAt: number): MaintenanceSchedule => ({ kind: 'once', startsAt, endsAt });
const create = (schedule: MaintenanceSchedule, at: number): MaintenanceEvent => ({ type: 'create', title: 'DB upgrade', description: '', systemIds: ['sys-db'], schedule, at });
const windowStart = (dueAt: number, at = dueAt): MaintenanceEvent => ({ type: 'window_start', dueAt, at });
const windowEnd = (dueAt: number, at = dueAt): MaintenanceEvent => ({ type: 'window_end', dueAt, at });
const maintenance = (...events: MaintenanceEvent[]) => run(maintenanceMachine, events, 'mnt-1');
type Snapshot = ReturnType<typeof maintenance>;
const stateOf = (snapshot: Snapshot) => maintenanceStateSchema.parse(maintenanceDefinition.toState(snapshot));
const timersOf = (snapshot: Snapshot) => maintenanceDefinition.timers(snapshot);
const window = (startsAt: string, endsAt: string) => ({ startsAt: utc(startsAt), endsAt: utc(endsAt) });

// 2026-03-02 is a Monday.
const monday = window('2026-03-02T10:00', '2026-03-02T12:00');
const wednesday = window('2026-03-04T10:00', '2026-03-04T12:00');
const nextMonday = window('2026-03-09T10:00', '2026-03-09T12:00');
const scheduled = () => maintenance(create(weekly, utc('2026-03-01T12:00')));
const active = () => maintenance(create(weekly, utc('2026-03-01T12:00')), windowStart(monday.startsAt));

describe('maintenance machine: create', () => {
  it('does not exist before create and accepts only create', () => {
    const absent = start(maintenanceMachine, 'mnt-1');
    expect(maintenanceDefinition.toState(absent)).toBeNull();
    expect(timersOf(absent)).toEqual([]);
    for (const type of ['cancel', 'delete'] as const) expect(absent.can({ type, at: 1 })).toBe(false);
    expect(absent.can({ type: 'update', title: 'x', at: 1 })).toBe(false);
    expect(absent.can(windowStart(0, 1))).toBe(false);
  });

  it('before its first window → scheduled, with a window_start timer at its start', () => {
    const snapshot = scheduled();
    expect(maintenanceDefinition.toState(snapshot)).toEqual({
      maintenanceId: 'mnt-1', title: 'DB upgrade', description: '', systemIds: ['sys-db'], schedule: weekly,
      status: 'scheduled', currentWindow: null, nextWindow: monday,
    });
    expect(timersOf(snapshot)).toEqual([{ name: 'window', dueAt: monday.startsAt, event: { type: 'window_start', dueAt: monday.startsAt } }]);
    expect(snapshot.can(create(weekly, 1))).toBe(false);
  });

  it('inside a window → active at once, with a window_end timer at its end', () => {
    const snapshot = maintenance(create(weekly, utc('2026-03-02T11:00')));
    expect(snapshot.value).toBe('active');
    expect(stateOf(snapshot)).toMatchObject({ status: 'active', currentWindow: monday, nextWindow: wednesday });
    expect(timersOf(snapshot)).toEqual([{ name: 'window', dueAt: monday.endsAt, event: { type: 'window_end', dueAt: monday.endsAt } }]);
  });

  it('after a one-off window → finished, no timer', () => {
    const snapshot = maintenance(create(once(1000, 2000), 2000));
    expect(stateOf(snapshot)).toMatchObject({ status: 'finished', currentWindow: null, nextWindow: null });
    expect(timersOf(snapshot)).toEqual([]);
  });

  it('validates its events: 1 to 100 distinct systems, a schedule, defaults filled in', () => {
    const parse = (event: Record<string, unknown>) => maintenanceEventSchema.safeParse(event);
    const base = { type: 'create', title: 'T', systemIds: ['a'], schedule: once(1, 2) };
    expect(parse(base).data).toEqual({ ...base, description: '' });
    expect(parse({ ...base, systemIds: [] }).success).toBe(false);
    expect(parse({ ...base, systemIds: ['a', 'a'] }).success).toBe(false);
    expect(parse({ ...base, systemIds: Array.from({ length: 101 }, (_, index) => `s${index}`) }).success).toBe(false);
    expect(parse({ ...base, systemIds: ['no.dots'] }).success).toBe(false);
    expect(parse({ ...base, schedule: undefined }).success).toBe(false);
    expect(parse({ ...base, title: '' }).success).toBe(false);
    expect(parse({ type: 'update' }).success).toBe(true);
    expect(parse({ type: 'window_start' }).success).toBe(false);
  });
});

describe('maintenance machine: timers', () => {
  it('window_start at or after the deadline → active; early, stale and repeated firings are refused', () => {
    const snapshot = scheduled();
    expect(snapshot.can(windowStart(monday.startsAt, monday.startsAt - 1))).toBe(false);
    expect(snapshot.can(windowStart(monday.startsAt - hour, monday.startsAt))).toBe(false);
    const started = send(maintenanceMachine, snapshot, windowStart(monday.startsAt, monday.startsAt + 250));
    expect(stateOf(started)).toMatchObject({ status: 'active', currentWindow: monday, nextWindow: wednesday });
    expect(started.can(windowStart(monday.startsAt, monday.startsAt + 500))).toBe(false);
  });

  it('window_end → scheduled for the next window of a recurrence, finished after a one-off', () => {
    const snapshot = active();
    expect(snapshot.can(windowEnd(monday.endsAt, monday.endsAt - 1))).toBe(false);
    expect(snapshot.can(windowEnd(monday.startsAt, monday.endsAt))).toBe(false);
    const ended = send(maintenanceMachine, snapshot, windowEnd(monday.endsAt));
    expect(stateOf(ended)).toMatchObject({ status: 'scheduled', currentWindow: null, nextWindow: wednesday });
    expect(timersOf(ended)).toEqual([{ name: 'window', dueAt: wednesday.startsAt, event: { type: 'window_start', dueAt: wednesday.startsAt } }]);
    expect(ended.can(windowEnd(monday.endsAt, monday.endsAt + 1))).toBe(false);

    const oneOff = maintenance(create(once(1000, 2000), 0), windowStart(1000), windowEnd(2000, 2500));
    expect(stateOf(oneOff)).toMatchObject({ status: 'finished', currentWindow: null, nextWindow: null });
    expect(timersOf(oneOff)).toEqual([]);
  });

  it('a window_start that fires after its window is over skips it: never active for a window already over', () => {
    const late = send(maintenanceMachine, scheduled(), windowStart(monday.startsAt, monday.endsAt + hour));
    expect(stateOf(late)).toMatchObject({ status: 'scheduled', currentWindow: null, nextWindow: wednesday });
    // Down for more than a week: every missed window is skipped at once.
    const veryLate = send(maintenanceMachine, scheduled(), windowStart(monday.startsAt, utc('2026-03-08T00:00')));
    expect(stateOf(veryLate)).toMatchObject({ status: 'scheduled', nextWindow: nextMonday });
    // A one-off whose window passed while nodes were down finishes without ever being active.
    const missed = maintenance(create(once(1000, 2000), 0), windowStart(1000, 5000));
    expect(stateOf(missed)).toMatchObject({ status: 'finished', currentWindow: null, nextWindow: null });
  });

  it('a late window_start inside a window still running enters it late; one landing in a later window enters that one', () => {
    const lateStart = send(maintenanceMachine, scheduled(), windowStart(monday.startsAt, monday.startsAt + hour));
    expect(stateOf(lateStart)).toMatchObject({ status: 'active', currentWindow: monday });
    const inWednesday = send(maintenanceMachine, scheduled(), windowStart(monday.startsAt, wednesday.startsAt + hour));
    expect(stateOf(inWednesday)).toMatchObject({ status: 'active', currentWindow: wednesday, nextWindow: nextMonday });
  });

  it('a late window_end that lands in a later window moves to that window (still active)', () => {
    const swapped = send(maintenanceMachine, active(), windowEnd(monday.endsAt, wednesday.startsAt + hour));
    expect(stateOf(swapped)).toMatchObject({ status: 'active', currentWindow: wednesday, nextWindow: nextMonday });
    expect(timersOf(swapped)).toEqual([{ name: 'window', dueAt: wednesday.endsAt, event: { type: 'window_end', dueAt: wednesday.endsAt } }]);
  });

  it('touching or overlapping windows are one continuous maintenance: endsAt moves on, startsAt stays', () => {
    const everyDay: MaintenanceSchedule = { kind: 'recurring', timezone: 'UTC', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], startTime: '00:00', durationMinutes: 1440 };
    const first = maintenance(create(everyDay, utc('2026-03-02T06:00')));
    expect(stateOf(first)).toMatchObject({ status: 'active', currentWindow: window('2026-03-02T00:00', '2026-03-03T00:00') });
    const continued = send(maintenanceMachine, first, windowEnd(utc('2026-03-03T00:00')));
    expect(stateOf(continued)).toMatchObject({ status: 'active', currentWindow: window('2026-03-02T00:00', '2026-03-04T00:00') });
  });
});

describe('maintenance machine: update, cancel, delete', () => {
  it('update replaces fields; without a different schedule the windows stay as they are', () => {
    const updated = send(maintenanceMachine, active(), { type: 'update', title: 'DB + replica', systemIds: ['sys-db', 'sys-replica'], schedule: weekly, at: monday.startsAt + hour });
    expect(stateOf(updated)).toEqual({ ...stateOf(active()), title: 'DB + replica', systemIds: ['sys-db', 'sys-replica'] });
    // The same values again: accepted, and equal (the runtime stores nothing).
    const again = send(maintenanceMachine, updated, { type: 'update', title: 'DB + replica', at: monday.startsAt + 2 * hour });
    expect(again.context).toEqual(updated.context);
  });

  it('a different schedule re-plans from the event time', () => {
    const moved = send(maintenanceMachine, scheduled(), { type: 'update', schedule: once(utc('2026-03-20T00:00'), utc('2026-03-21T00:00')), at: utc('2026-03-01T13:00') });
    expect(stateOf(moved)).toMatchObject({ status: 'scheduled', nextWindow: window('2026-03-20T00:00', '2026-03-21T00:00') });
    const nowActive = send(maintenanceMachine, scheduled(), { type: 'update', schedule: once(utc('2026-03-01T00:00'), utc('2026-03-01T18:00')), at: utc('2026-03-01T13:00') });
    expect(stateOf(nowActive)).toMatchObject({ status: 'active', currentWindow: window('2026-03-01T00:00', '2026-03-01T18:00'), nextWindow: null });
    // Active, and still inside a window of the new schedule: it continues with the new end.
    const extended = send(maintenanceMachine, active(), { type: 'update', schedule: { ...weekly, durationMinutes: 240 }, at: monday.startsAt + hour });
    expect(stateOf(extended)).toMatchObject({ status: 'active', currentWindow: { startsAt: monday.startsAt, endsAt: monday.startsAt + 4 * hour } });
    // Active, and the new schedule has no window now: the window ends.
    const ended = send(maintenanceMachine, active(), { type: 'update', schedule: { ...weekly, startTime: '14:00' }, at: monday.startsAt + hour });
    expect(stateOf(ended)).toMatchObject({ status: 'scheduled', currentWindow: null, nextWindow: { startsAt: monday.startsAt + 4 * hour } });
  });

  it.each([
    ['scheduled', scheduled()],
    ['active', active()],
  ])('cancel from %s → finished, no timer; a second cancel is refused', (_, snapshot) => {
    const cancelled = send(maintenanceMachine, snapshot, { type: 'cancel', at: monday.startsAt + hour });
    expect(stateOf(cancelled)).toMatchObject({ status: 'finished', currentWindow: null, nextWindow: null });
    expect(timersOf(cancelled)).toEqual([]);
    expect(cancelled.can({ type: 'cancel', at: monday.startsAt + 2 * hour })).toBe(false);
    // Repeating the schedule (a setup file applied again) does not revive it; a new schedule does.
    const repeated = send(maintenanceMachine, cancelled, { type: 'update', schedule: weekly, at: monday.startsAt + 2 * hour });
    expect(stateOf(repeated).status).toBe('finished');
    const revived = send(maintenanceMachine, cancelled, { type: 'update', schedule: { ...weekly, weekdays: ['wed'] }, at: monday.startsAt + 2 * hour });
    expect(stateOf(revived)).toMatchObject({ status: 'scheduled', nextWindow: wednesday });
  });

  it.each([
    ['scheduled', scheduled()],
    ['active', active()],
    ['finished', maintenance(create(once(1000, 2000), 3000))],
  ])('delete from %s → deleted (final), null state, no timer', (_, snapshot) => {
    const deleted = send(maintenanceMachine, snapshot, { type: 'delete', at: monday.startsAt + hour });
    expect(deleted.value).toBe('deleted');
    expect(deleted.status).toBe('done');
    expect(maintenanceDefinition.toState(deleted)).toBeNull();
    expect(timersOf(deleted)).toEqual([]);
    expect(deleted.can(create(weekly, 1))).toBe(false);
    expect(deleted.can({ type: 'update', title: 'x', at: 1 })).toBe(false);
  });

  it('marks the timer events internal', () => {
    expect(maintenanceDefinition.internalEventTypes).toEqual(['window_start', 'window_end']);
  });
});
