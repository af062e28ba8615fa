import { describe, expect, it } from 'vitest';
import type { MaintenanceSchedule } from '../maintenance-schedule.ts';
import { maintenanceDefinition, type MaintenanceEvent } from '../maintenance.machine.ts';
import { changesOf } from '../test-support.ts';
import { deriveTriggers } from './derive-triggers.ts';
import { deriveMaintenanceTriggers } from './maintenance.triggers.ts';

const hour = 3_600_000;
const weekly: MaintenanceSchedule = { kind: 'recurring', timezone: 'UTC', weekdays: ['mon', 'wed'], startTime: '10:00', durationMinutes: 120 };
// 2026-03-02 is a Monday; Wednesday is two days later.
const monday = Date.parse('2026-03-02T10:00:00Z');
const wednesday = monday + 48 * hour;
const create = (schedule: MaintenanceSchedule, at: number): MaintenanceEvent => ({ type: 'create', title: 'DB upgrade', description: '', systemIds: ['sys-db'], schedule, at });
/** The trigger ids and payloads fired by each stored change of `events`. */
const fired = (events: MaintenanceEvent[]) =>
  changesOf(maintenanceDefinition, events, 'mnt-1').map((change) => deriveMaintenanceTriggers(change).map((event) => [event.trigger, event.payload]));
const payload = (startsAt: number, endsAt: number, fields: Record<string, unknown> = {}) => ({ maintenanceId: 'mnt-1', title: 'DB upgrade', systemIds: ['sys-db'], startsAt, endsAt, ...fields });

describe('maintenance triggers', () => {
  it('a window on time: started when it begins, ended when it ends; create and updates fire nothing', () => {
    const all = fired([
      create(weekly, monday - 24 * hour),
      { type: 'window_start', dueAt: monday, at: monday + 250 },
      { type: 'update', systemIds: ['sys-db', 'sys-replica'], at: monday + hour },
      { type: 'window_end', dueAt: monday + 2 * hour, at: monday + 2 * hour + 100 },
    ]);
    expect(all).toEqual([
      [],
      [['maintenance.started', payload(monday, monday + 2 * hour)]],
      [],
      [['maintenance.ended', payload(monday, monday + 2 * hour, { systemIds: ['sys-db', 'sys-replica'] })]],
    ]);
  });

  it('has the maintenance id as its context and is reached through deriveTriggers', () => {
    const [, started] = changesOf(maintenanceDefinition, [create(weekly, monday - hour), { type: 'window_start', dueAt: monday, at: monday }], 'mnt-1');
    expect(deriveTriggers(started!)).toEqual([{
      trigger: 'maintenance.started', contextKey: 'maintenanceId', contextValue: 'mnt-1', payload: payload(monday, monday + 2 * hour),
    }]);
  });

  it('created inside a window fires started with the first change', () => {
    expect(fired([create(weekly, monday + hour)])).toEqual([[['maintenance.started', payload(monday, monday + 2 * hour)]]]);
  });

  it('cancel and delete of an active window fire ended at that moment; of a scheduled one, nothing', () => {
    const start = [create(weekly, monday - hour), { type: 'window_start', dueAt: monday, at: monday } as MaintenanceEvent];
    expect(fired([...start, { type: 'cancel', at: monday + hour }]).at(-1)).toEqual([['maintenance.ended', payload(monday, monday + hour)]]);
    expect(fired([...start, { type: 'delete', at: monday + 30 * 60_000 }]).at(-1)).toEqual([['maintenance.ended', payload(monday, monday + 30 * 60_000)]]);
    expect(fired([create(weekly, monday - hour), { type: 'cancel', at: monday - 1 }, { type: 'delete', at: monday }])).toEqual([[], [], []]);
  });

  it('a window missed entirely (its timer fired after its end) fires nothing', () => {
    const all = fired([create(weekly, monday - hour), { type: 'window_start', dueAt: monday, at: monday + 3 * hour }]);
    expect(all).toEqual([[], []]);
  });

  it('a late window_end during the next window: ended for the old window (at its planned end), then started for the new one', () => {
    const all = fired([
      create(weekly, monday - hour),
      { type: 'window_start', dueAt: monday, at: monday },
      { type: 'window_end', dueAt: monday + 2 * hour, at: wednesday + hour },
    ]);
    expect(all.at(-1)).toEqual([
      ['maintenance.ended', payload(monday, monday + 2 * hour)],
      ['maintenance.started', payload(wednesday, wednesday + 2 * hour)],
    ]);
  });

  it('a continuing window (touching windows) fires nothing when its end moves on', () => {
    const everyDay: MaintenanceSchedule = { ...weekly, weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], startTime: '00:00', durationMinutes: 1440 };
    const day = Date.parse('2026-03-02T00:00:00Z');
    const all = fired([create(everyDay, day + hour), { type: 'window_end', dueAt: day + 24 * hour, at: day + 24 * hour }]);
    expect(all).toEqual([[['maintenance.started', payload(day, day + 24 * hour)]], []]);
  });

  it('ignores changes of other kinds', () => {
    const [change] = changesOf(maintenanceDefinition, [create(weekly, monday + hour)], 'mnt-1');
    expect(deriveMaintenanceTriggers({ ...change!, kind: 'system' })).toEqual([]);
  });
});
