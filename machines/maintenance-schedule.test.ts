import { describe, expect, it } from 'vitest';
import {
  isTimeZone,
  maintenanceScheduleSchema,
  nextWindow,
  offsetMs,
  windowAt,
  zonedToUtc,
  type MaintenanceSchedule,
  type MaintenanceWindow,
} from './maintenance-schedule.ts';

const utc = (text: string) => Date.parse(`${text}Z`);
const iso = (window: MaintenanceWindow | null) => window && { startsAt: new Date(window.startsAt).toISOString(), endsAt: new Date(window.endsAt).toISOString() };
const recurring = (fields: Partial<Extract<MaintenanceSchedule, { kind: 'recurring' }>>): MaintenanceSchedule =>
  maintenanceScheduleSchema.parse({ kind: 'recurring', timezone: 'Europe/Berlin', weekdays: ['sun'], startTime: '02:30', durationMinutes: 60, ...fields });
/** The first `count` windows from `afterMs`, one after the other. */
function windows(schedule: MaintenanceSchedule, afterMs: number, count: number) {
  const found = [];
  for (let at = afterMs; found.length < count; ) {
    const window = nextWindow(schedule, at);
    if (window === null) break;
    found.push(iso(window));
    at = window.endsAt;
  }
  return found;
}

describe('maintenance schedules: validation', () => {
  it('accepts both kinds and refuses bad values with the path of each problem', () => {
    expect(maintenanceScheduleSchema.safeParse({ kind: 'once', startsAt: 1, endsAt: 2 }).success).toBe(true);
    expect(recurring({ weekdays: ['mon', 'fri'], from: 1, until: 2 })).toMatchObject({ weekdays: ['mon', 'fri'] });
    const problems = (value: unknown) => maintenanceScheduleSchema.safeParse(value).error?.issues.map((issue) => issue.path.join('.'));
    expect(problems({ kind: 'once', startsAt: 2, endsAt: 2 })).toEqual(['endsAt']);
    expect(problems({ kind: 'recurring', timezone: 'Mars/Olympus', weekdays: [], startTime: '24:00', durationMinutes: 0 })).toEqual([
      'timezone', 'weekdays', 'startTime', 'durationMinutes',
    ]);
    expect(problems({ kind: 'recurring', timezone: 'UTC', weekdays: ['mon', 'mon'], startTime: '9:00', durationMinutes: 10_081 })).toEqual([
      'weekdays', 'startTime', 'durationMinutes',
    ]);
    expect(problems({ kind: 'recurring', timezone: 'UTC', weekdays: ['mon'], startTime: '09:00', durationMinutes: 10, from: 5, until: 5 })).toEqual(['until']);
    expect(problems({ kind: 'weekly' })).toEqual(['kind']);
  });

  it('knows IANA zone names through Intl', () => {
    for (const zone of ['Europe/Berlin', 'America/New_York', 'UTC', 'Asia/Kolkata']) expect(isTimeZone(zone)).toBe(true);
    for (const zone of ['', 'Berlin', 'Europe/Nowhere', 'GMT+25']) expect(isTimeZone(zone)).toBe(false);
  });
});

describe('maintenance schedules: once', () => {
  const once: MaintenanceSchedule = { kind: 'once', startsAt: 1000, endsAt: 2000 };

  it('is the window while inside it (start included, end excluded), the next window until it starts', () => {
    expect(windowAt(once, 999)).toBeNull();
    expect(windowAt(once, 1000)).toEqual({ startsAt: 1000, endsAt: 2000 });
    expect(windowAt(once, 1999)).toEqual({ startsAt: 1000, endsAt: 2000 });
    expect(windowAt(once, 2000)).toBeNull();
    expect(nextWindow(once, 0)).toEqual({ startsAt: 1000, endsAt: 2000 });
    expect(nextWindow(once, 1000)).toEqual({ startsAt: 1000, endsAt: 2000 });
    expect(nextWindow(once, 1001)).toBeNull();
  });
});

describe('maintenance schedules: recurring, DST-correct', () => {
  it('Europe/Berlin: 09:00 local is 08:00 UTC in winter and 07:00 UTC in summer', () => {
    const daily = recurring({ weekdays: ['fri', 'sat', 'sun', 'mon'], startTime: '09:00', durationMinutes: 30 });
    expect(windows(daily, utc('2026-03-27T00:00'), 4).map((window) => window!.startsAt)).toEqual([
      '2026-03-27T08:00:00.000Z', '2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z',
    ]);
    expect(windows(daily, utc('2026-10-23T00:00'), 4).map((window) => window!.startsAt)).toEqual([
      '2026-10-23T07:00:00.000Z', '2026-10-24T07:00:00.000Z', '2026-10-25T08:00:00.000Z', '2026-10-26T08:00:00.000Z',
    ]);
  });

  it('Europe/Berlin: a start time skipped by the spring change moves forward by the gap; a repeated one takes its first occurrence', () => {
    const sunday = recurring({ weekdays: ['sun'], startTime: '02:30', durationMinutes: 60 });
    // 2026-03-29: 02:00 CET → 03:00 CEST, so 02:30 does not exist: 03:30 CEST.
    expect(iso(nextWindow(sunday, utc('2026-03-23T00:00')))).toEqual({ startsAt: '2026-03-29T01:30:00.000Z', endsAt: '2026-03-29T02:30:00.000Z' });
    // 2026-10-25: 03:00 CEST → 02:00 CET, so 02:30 happens twice: the first (CEST).
    expect(iso(nextWindow(sunday, utc('2026-10-19T00:00')))).toEqual({ startsAt: '2026-10-25T00:30:00.000Z', endsAt: '2026-10-25T01:30:00.000Z' });
    expect(iso(nextWindow(sunday, utc('2026-10-25T00:30:01')))).toEqual({ startsAt: '2026-11-01T01:30:00.000Z', endsAt: '2026-11-01T02:30:00.000Z' });
  });

  it('America/New_York: both changes (2026-03-08 and 2026-11-01), and elapsed durations across them', () => {
    const ny = (startTime: string, durationMinutes = 60) => recurring({ timezone: 'America/New_York', weekdays: ['sat', 'sun'], startTime, durationMinutes });
    expect(windows(ny('09:00'), utc('2026-03-07T00:00'), 2).map((window) => window!.startsAt)).toEqual(['2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z']);
    expect(windows(ny('09:00'), utc('2026-10-31T00:00'), 2).map((window) => window!.startsAt)).toEqual(['2026-10-31T13:00:00.000Z', '2026-11-01T14:00:00.000Z']);
    // 02:30 does not exist on 2026-03-08 (02:00 EST → 03:00 EDT): 03:30 EDT.
    expect(nextWindow(ny('02:30'), utc('2026-03-07T12:00'))?.startsAt).toBe(utc('2026-03-08T07:30'));
    // 01:30 happens twice on 2026-11-01: the first, EDT (UTC-4).
    expect(nextWindow(ny('01:30'), utc('2026-10-31T12:00'))?.startsAt).toBe(utc('2026-11-01T05:30'));
    // A Saturday 23:00 window of 4 h across the autumn change lasts 4 elapsed hours: it ends at 02:00 EST, not 03:00.
    expect(iso(nextWindow(ny('23:00', 240), utc('2026-10-31T12:00')))).toEqual({ startsAt: '2026-11-01T03:00:00.000Z', endsAt: '2026-11-01T07:00:00.000Z' });
  });

  it('zonedToUtc and offsetMs agree around transitions', () => {
    expect(offsetMs('Europe/Berlin', utc('2026-03-29T00:59:59'))).toBe(3_600_000);
    expect(offsetMs('Europe/Berlin', utc('2026-03-29T01:00'))).toBe(7_200_000);
    expect(zonedToUtc('Europe/Berlin', utc('2026-03-29T02:00'))).toBe(utc('2026-03-29T01:00'));
    expect(zonedToUtc('Europe/Berlin', utc('2026-10-25T02:59'))).toBe(utc('2026-10-25T00:59'));
    expect(zonedToUtc('Asia/Kolkata', utc('2026-01-01T05:30'))).toBe(utc('2026-01-01T00:00'));
    expect(zonedToUtc('UTC', utc('2026-01-01T05:30'))).toBe(utc('2026-01-01T05:30'));
  });

  it('windowAt finds the window in progress, across midnight and the week boundary', () => {
    const sundayNight = recurring({ timezone: 'UTC', weekdays: ['sun'], startTime: '23:00', durationMinutes: 120 });
    expect(iso(windowAt(sundayNight, utc('2026-03-30T00:30')))).toEqual({ startsAt: '2026-03-29T23:00:00.000Z', endsAt: '2026-03-30T01:00:00.000Z' });
    expect(windowAt(sundayNight, utc('2026-03-30T01:00'))).toBeNull();
    expect(windowAt(sundayNight, utc('2026-03-29T22:59'))).toBeNull();
    const week = recurring({ timezone: 'UTC', weekdays: ['mon'], startTime: '00:00', durationMinutes: 10_080 });
    expect(iso(windowAt(week, utc('2026-04-05T23:59')))).toEqual({ startsAt: '2026-03-30T00:00:00.000Z', endsAt: '2026-04-06T00:00:00.000Z' });
  });

  it('overlapping windows: windowAt spans every window that contains the instant', () => {
    // Daily 36 h windows overlap 12 h a day.
    const long = recurring({ timezone: 'UTC', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], startTime: '00:00', durationMinutes: 36 * 60 });
    expect(iso(windowAt(long, utc('2026-03-02T06:00')))).toEqual({ startsAt: '2026-03-01T00:00:00.000Z', endsAt: '2026-03-03T12:00:00.000Z' });
    expect(iso(windowAt(long, utc('2026-03-02T13:00')))).toEqual({ startsAt: '2026-03-02T00:00:00.000Z', endsAt: '2026-03-03T12:00:00.000Z' });
  });

  it('from and until bound when windows start', () => {
    const daily = recurring({ timezone: 'UTC', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], startTime: '10:00', durationMinutes: 60, from: utc('2026-03-10T10:30'), until: utc('2026-03-12T10:00') });
    expect(windows(daily, 0, 5).map((window) => window!.startsAt)).toEqual(['2026-03-11T10:00:00.000Z']);
    expect(windowAt(daily, utc('2026-03-10T10:45'))).toBeNull(); // started before `from`
    expect(windowAt(daily, utc('2026-03-11T10:45'))).not.toBeNull();
    expect(nextWindow(daily, utc('2026-03-11T10:00:00.001'))).toBeNull();
    // Far in the future: found without walking the days in between.
    const later = recurring({ timezone: 'UTC', weekdays: ['wed'], startTime: '10:00', durationMinutes: 60, from: utc('2030-01-01T00:00') });
    expect(nextWindow(later, 0)?.startsAt).toBe(utc('2030-01-02T10:00'));
  });
});
