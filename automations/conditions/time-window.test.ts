import { describe, expect, it } from 'vitest';
import { isWithinTimeWindow, localTime } from './time-window.ts';

const at = (iso: string): number => Date.parse(iso);

describe('localTime', () => {
  it('gives wall-clock time and weekday in a time zone', () => {
    // 2024-01-15 is a Monday. 23:30 UTC is 00:30 Tuesday in Berlin (UTC+1 in winter).
    expect(localTime(at('2024-01-15T23:30:00Z'), 'UTC')).toEqual({ secondsOfDay: 23 * 3600 + 30 * 60, weekday: 'mon' });
    expect(localTime(at('2024-01-15T23:30:00Z'), 'Europe/Berlin')).toEqual({ secondsOfDay: 30 * 60, weekday: 'tue' });
    // 03:00 UTC Tuesday is 22:00 Monday in New York (UTC-5).
    expect(localTime(at('2024-01-16T03:00:00Z'), 'America/New_York')).toEqual({ secondsOfDay: 22 * 3600, weekday: 'mon' });
  });

  it('reports midnight as 0, not 24', () => {
    expect(localTime(at('2024-01-15T23:00:00Z'), 'Europe/Berlin').secondsOfDay).toBe(0);
  });

  it('follows daylight saving time', () => {
    // Berlin is UTC+2 in July.
    expect(localTime(at('2024-07-01T12:00:00Z'), 'Europe/Berlin').secondsOfDay).toBe(14 * 3600);
  });
});

describe('isWithinTimeWindow', () => {
  const office = { after: '09:00', before: '17:30', timezone: 'Europe/Berlin' };

  it('includes after and excludes before', () => {
    expect(isWithinTimeWindow(office, at('2024-01-15T08:00:00Z'))).toBe(true); // 09:00 local
    expect(isWithinTimeWindow(office, at('2024-01-15T07:59:59Z'))).toBe(false); // 08:59:59
    expect(isWithinTimeWindow(office, at('2024-01-15T16:29:59Z'))).toBe(true); // 17:29:59
    expect(isWithinTimeWindow(office, at('2024-01-15T16:30:00Z'))).toBe(false); // 17:30
  });

  it('spans midnight when after > before', () => {
    const night = { after: '22:00', before: '06:00', timezone: 'Europe/Berlin' };
    expect(isWithinTimeWindow(night, at('2024-01-15T21:00:00Z'))).toBe(true); // 22:00 local
    expect(isWithinTimeWindow(night, at('2024-01-15T23:30:00Z'))).toBe(true); // 00:30
    expect(isWithinTimeWindow(night, at('2024-01-16T04:59:00Z'))).toBe(true); // 05:59
    expect(isWithinTimeWindow(night, at('2024-01-16T05:00:00Z'))).toBe(false); // 06:00
    expect(isWithinTimeWindow(night, at('2024-01-15T12:00:00Z'))).toBe(false); // 13:00
    // The same instants are outside the window in UTC terms: the zone matters.
    expect(isWithinTimeWindow({ ...night, timezone: 'UTC' }, at('2024-01-15T21:00:00Z'))).toBe(false);
  });

  it('checks the local weekday, not the UTC one', () => {
    const weekdays = { weekdays: ['mon' as const, 'tue' as const, 'wed' as const, 'thu' as const, 'fri' as const], timezone: 'America/New_York' };
    // Saturday 02:00 UTC is Friday 21:00 in New York.
    expect(isWithinTimeWindow(weekdays, at('2024-01-20T02:00:00Z'))).toBe(true);
    // Saturday 06:00 UTC is Saturday 01:00 in New York.
    expect(isWithinTimeWindow(weekdays, at('2024-01-20T06:00:00Z'))).toBe(false);
    expect(isWithinTimeWindow({ ...weekdays, timezone: 'UTC' }, at('2024-01-20T02:00:00Z'))).toBe(false);
  });

  it('combines a midnight-spanning window with weekdays, using the weekday of the moment', () => {
    const fridayNight = { after: '22:00', before: '02:00', weekdays: ['fri' as const], timezone: 'Asia/Tokyo' };
    // Friday 23:00 in Tokyo (UTC+9) = Friday 14:00 UTC.
    expect(isWithinTimeWindow(fridayNight, at('2024-01-19T14:00:00Z'))).toBe(true);
    // Saturday 01:00 in Tokyo: inside the clock window, but it is Saturday.
    expect(isWithinTimeWindow(fridayNight, at('2024-01-19T16:00:00Z'))).toBe(false);
  });

  it('supports only after, only before, seconds', () => {
    expect(isWithinTimeWindow({ after: '12:00:30', timezone: 'UTC' }, at('2024-01-15T12:00:29Z'))).toBe(false);
    expect(isWithinTimeWindow({ after: '12:00:30', timezone: 'UTC' }, at('2024-01-15T12:00:30Z'))).toBe(true);
    expect(isWithinTimeWindow({ before: '12:00', timezone: 'UTC' }, at('2024-01-15T11:59:59Z'))).toBe(true);
    expect(isWithinTimeWindow({ before: '12:00', timezone: 'UTC' }, at('2024-01-15T12:00:00Z'))).toBe(false);
  });
});
