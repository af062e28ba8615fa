import { describe, expect, it } from 'vitest';
import { CronExpressionError, cronProblem, nextOccurrence, nextScheduled, parseCron, scheduleSpecSchema } from './index.ts';

const utc = (text: string) => Date.parse(`${text}Z`);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().replace(':00.000Z', 'Z'));

/** The next `count` occurrences after `from` (UTC ISO time), as UTC `YYYY-MM-DDTHH:MMZ`. */
function occurrences(expression: string, from: string, count: number, timeZone = 'UTC'): Array<string | null> {
  const found: Array<string | null> = [];
  let at = utc(from);
  while (found.length < count) {
    const next = nextOccurrence(expression, at, timeZone);
    found.push(iso(next));
    if (next === null) break;
    at = next;
  }
  return found;
}

describe('parseCron', () => {
  it('reads numbers, names, ranges, lists and steps', () => {
    const cron = parseCron('*/15 9-17/2 1,15 jan-MAR Mon-fri');
    expect(cron.minutes).toEqual([0, 15, 30, 45]);
    expect(cron.hours).toEqual([9, 11, 13, 15, 17]);
    expect([...cron.daysOfMonth]).toEqual([1, 15]);
    expect([...cron.months]).toEqual([1, 2, 3]);
    expect([...cron.daysOfWeek]).toEqual([1, 2, 3, 4, 5]);
    expect(parseCron('5/20 0 * * *').minutes).toEqual([5, 25, 45]);
    expect(parseCron('0 0 1-31/10 * *').daysOfMonth).toEqual(new Set([1, 11, 21, 31]));
    expect(parseCron('0 0 * * 7').daysOfWeek).toEqual(new Set([0]));
    expect(parseCron('0 0 * * 5-7').daysOfWeek).toEqual(new Set([5, 6, 0]));
    expect(parseCron('0 0 * * FRI-SUN').daysOfWeek).toEqual(new Set([5, 6, 0]));
    expect(parseCron('0 0 * * SUN-SUN').daysOfWeek).toEqual(new Set([0]));
    expect(parseCron('  0   12 * * *  ').source).toBe('0   12 * * *');
  });

  it('expands the aliases', () => {
    const fieldsOf = (source: string) => {
      const { minutes, hours, daysOfMonth, months, daysOfWeek } = parseCron(source);
      return { minutes, hours, daysOfMonth: [...daysOfMonth], months: [...months], daysOfWeek: [...daysOfWeek] };
    };
    expect(fieldsOf('@hourly')).toEqual(fieldsOf('0 * * * *'));
    expect(fieldsOf('@DAILY')).toEqual(fieldsOf('0 0 * * *'));
    expect(fieldsOf('@midnight')).toEqual(fieldsOf('0 0 * * *'));
    expect(fieldsOf('@weekly')).toEqual(fieldsOf('0 0 * * 0'));
    expect(fieldsOf('@monthly')).toEqual(fieldsOf('0 0 1 * *'));
    expect(fieldsOf('@yearly')).toEqual(fieldsOf('@annually'));
  });

  it('applies the day rule of Vixie cron: OR when both day fields are restricted, else AND', () => {
    expect(parseCron('0 9 1,15 * MON').eitherDay).toBe(true);
    expect(parseCron('0 9 * * MON').eitherDay).toBe(false);
    expect(parseCron('0 9 1 * *').eitherDay).toBe(false);
    // A field starting with `*` counts as unrestricted, steps included.
    expect(parseCron('0 9 */2 * MON').eitherDay).toBe(false);
  });

  it('refuses malformed expressions with the field at fault', () => {
    const problems = {
      '': 'expected 5 fields (minute hour day-of-month month day-of-week), got 0',
      '* * * *': 'expected 5 fields (minute hour day-of-month month day-of-week), got 4',
      '0 * * * * *': 'expected 5 fields (minute hour day-of-month month day-of-week), got 6 (seconds are not supported)',
      '60 * * * *': 'minute: 60 is out of range 0-59',
      '0 24 * * *': 'hour: 24 is out of range 0-23',
      '0 0 0 * *': 'day-of-month: 0 is out of range 1-31',
      '0 0 * 13 *': 'month: 13 is out of range 1-12',
      '0 0 * * 8': 'day-of-week: 8 is out of range 0-7',
      '0 0 * * FOO': 'day-of-week: unexpected "FOO" (numbers 0-7 or SUN-SAT)',
      '0 0 * JANUARY *': 'month: unexpected "JANUARY" (numbers 1-12 or JAN-DEC)',
      'x * * * *': 'minute: unexpected "x" (numbers 0-59)',
      '5-1 * * * *': 'minute: range 5-1 goes backwards (write it as two ranges, e.g. 5-59,0-1)',
      '0 0 * * FRI-MON': 'day-of-week: range FRI-MON goes backwards (write it as two ranges, e.g. FRI-SAT,SUN-MON)',
      '*/0 * * * *': 'minute: the step in "*/0" must be a whole number of at least 1',
      '1/2/3 * * * *': 'minute: malformed step in "1/2/3"',
      '1,,2 * * * *': 'minute: empty list item in "1,,2"',
      '1- * * * *': 'minute: malformed range "1-"',
      '0 0 ? * MON': 'day-of-month: unexpected "?" (numbers 1-31)',
      '0 0 L * *': 'day-of-month: unexpected "L" (numbers 1-31)',
      '@every 5m': 'unknown alias @every 5m (known: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)',
      '0 0 30 2 *': 'day-of-month 30 never occurs in FEB',
      '0 0 31 4,6,9,11 *': 'day-of-month 31 never occurs in APR,JUN,SEP,NOV',
    };
    for (const [source, reason] of Object.entries(problems)) {
      expect(cronProblem(source), source).toBe(reason);
      expect(() => parseCron(source)).toThrow(CronExpressionError);
    }
    expect(() => parseCron('61 * * * *')).toThrow('invalid cron expression "61 * * * *": minute: 61 is out of range 0-59');
    // A weekday makes the 30th of February possible again (OR rule), and so does the 29th.
    expect(cronProblem('0 0 30 2 MON')).toBeNull();
    expect(cronProblem('0 0 29 2 *')).toBeNull();
  });
});

describe('nextOccurrence in UTC', () => {
  it('is strictly after the given instant', () => {
    expect(occurrences('* * * * *', '2026-03-01T00:30:10', 2)).toEqual(['2026-03-01T00:31Z', '2026-03-01T00:32Z']);
    expect(iso(nextOccurrence('0 12 * * *', utc('2026-03-01T12:00:00')))).toBe('2026-03-02T12:00Z');
    expect(iso(nextOccurrence('0 12 * * *', utc('2026-03-01T11:59:59.999')))).toBe('2026-03-01T12:00Z');
  });

  it('steps through ranges with steps, across days, months and years', () => {
    expect(occurrences('0 8-18/4 * * *', '2026-03-01T00:00', 4)).toEqual(['2026-03-01T08:00Z', '2026-03-01T12:00Z', '2026-03-01T16:00Z', '2026-03-02T08:00Z']);
    expect(occurrences('0 0 1-31/10 * *', '2026-02-01T00:00', 5)).toEqual(['2026-02-11T00:00Z', '2026-02-21T00:00Z', '2026-03-01T00:00Z', '2026-03-11T00:00Z', '2026-03-21T00:00Z']);
    expect(occurrences('@yearly', '2026-06-01T00:00', 2)).toEqual(['2027-01-01T00:00Z', '2028-01-01T00:00Z']);
    expect(occurrences('15 10 31 * *', '2026-01-31T10:15', 3)).toEqual(['2026-03-31T10:15Z', '2026-05-31T10:15Z', '2026-07-31T10:15Z']);
  });

  it('ORs the day fields when both are restricted, ANDs them otherwise', () => {
    // 2026-03-01 is a Sunday: the 1st and 15th, plus every Monday.
    expect(occurrences('0 9 1,15 * MON', '2026-03-01T00:00', 6)).toEqual([
      '2026-03-01T09:00Z', '2026-03-02T09:00Z', '2026-03-09T09:00Z', '2026-03-15T09:00Z', '2026-03-16T09:00Z', '2026-03-23T09:00Z',
    ]);
    // Odd days that are Mondays (the `*` makes it AND).
    expect(occurrences('0 9 */2 * MON', '2026-03-01T00:00', 3)).toEqual(['2026-03-09T09:00Z', '2026-03-23T09:00Z', '2026-04-13T09:00Z']);
    expect(occurrences('0 9 * * SUN', '2026-03-01T09:00', 2)).toEqual(['2026-03-08T09:00Z', '2026-03-15T09:00Z']);
    expect(occurrences('0 9 * * 7', '2026-03-01T09:00', 1)).toEqual(['2026-03-08T09:00Z']);
  });

  it('finds February 29 in leap years only, skipping 2100', () => {
    expect(occurrences('0 0 29 2 *', '2026-01-01T00:00', 3)).toEqual(['2028-02-29T00:00Z', '2032-02-29T00:00Z', '2036-02-29T00:00Z']);
    expect(occurrences('0 0 29 2 *', '2096-03-01T00:00', 1)).toEqual(['2104-02-29T00:00Z']);
    // With a weekday too (OR): every Monday of February, and February 29.
    expect(occurrences('0 0 29 2 MON', '2028-02-27T00:00', 3)).toEqual(['2028-02-28T00:00Z', '2028-02-29T00:00Z', '2029-02-05T00:00Z']);
  });

  it('accepts a parsed expression, and refuses an unknown time zone', () => {
    expect(nextOccurrence(parseCron('@daily'), utc('2026-03-01T10:00'))).toBe(utc('2026-03-02T00:00'));
    expect(() => nextOccurrence('@daily', 0, 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('nextOccurrence across daylight saving time', () => {
  // Europe/Berlin: 2026-03-29 02:00 CET → 03:00 CEST (01:00Z); 2026-10-25 03:00 CEST → 02:00 CET (01:00Z).
  const berlin = 'Europe/Berlin';
  // America/New_York: 2026-03-08 02:00 EST → 03:00 EDT (07:00Z); 2026-11-01 02:00 EDT → 01:00 EST (06:00Z).
  const newYork = 'America/New_York';

  it('a fixed time in the spring gap fires once, pushed forward by the gap (Berlin)', () => {
    expect(occurrences('30 2 * * *', '2026-03-27T12:00', 3, berlin)).toEqual(['2026-03-28T01:30Z', '2026-03-29T01:30Z', '2026-03-30T00:30Z']);
    // 02:00 does not exist: it is 03:00 CEST, the same instant as 03:00 itself, fired once.
    expect(occurrences('0 2,3 * * *', '2026-03-28T12:00', 3, berlin)).toEqual(['2026-03-29T01:00Z', '2026-03-30T00:00Z', '2026-03-30T01:00Z']);
  });

  it('a fixed time in the autumn overlap fires at its first occurrence only (Berlin)', () => {
    expect(occurrences('30 2 * * *', '2026-10-23T12:00', 3, berlin)).toEqual(['2026-10-24T00:30Z', '2026-10-25T00:30Z', '2026-10-26T01:30Z']);
  });

  it('an hourly-by-the-clock expression keeps its rhythm through both changes (Berlin)', () => {
    expect(occurrences('*/30 * * * *', '2026-03-28T23:50', 6, berlin)).toEqual([
      '2026-03-29T00:00Z', '2026-03-29T00:30Z', '2026-03-29T01:00Z', '2026-03-29T01:30Z', '2026-03-29T02:00Z', '2026-03-29T02:30Z',
    ]);
    // 02:00 and 02:30 occur twice (CEST, then CET): both passes fire.
    expect(occurrences('*/30 * * * *', '2026-10-24T23:10', 6, berlin)).toEqual([
      '2026-10-24T23:30Z', '2026-10-25T00:00Z', '2026-10-25T00:30Z', '2026-10-25T01:00Z', '2026-10-25T01:30Z', '2026-10-25T02:00Z',
    ]);
  });

  it('daily times stay on the local clock across the change (Berlin)', () => {
    expect(occurrences('0 9 * * *', '2026-03-28T00:00', 2, berlin)).toEqual(['2026-03-28T08:00Z', '2026-03-29T07:00Z']);
    expect(occurrences('0 9 * * *', '2026-10-24T00:00', 2, berlin)).toEqual(['2026-10-24T07:00Z', '2026-10-25T08:00Z']);
  });

  it('New York: the gap and the repeated hour', () => {
    expect(occurrences('30 2 * * *', '2026-03-07T12:00', 3, newYork)).toEqual(['2026-03-08T07:30Z', '2026-03-09T06:30Z', '2026-03-10T06:30Z']);
    expect(occurrences('30 1 * * *', '2026-10-31T12:00', 2, newYork)).toEqual(['2026-11-01T05:30Z', '2026-11-02T06:30Z']);
    expect(occurrences('30 * * * *', '2026-11-01T04:00', 4, newYork)).toEqual(['2026-11-01T04:30Z', '2026-11-01T05:30Z', '2026-11-01T06:30Z', '2026-11-01T07:30Z']);
    expect(occurrences('30 * * * *', '2026-03-08T05:00', 3, newYork)).toEqual(['2026-03-08T05:30Z', '2026-03-08T06:30Z', '2026-03-08T07:30Z']);
  });

  it('zones with half-hour offsets', () => {
    expect(iso(nextOccurrence('0 9 * * *', utc('2026-03-01T00:00'), 'Asia/Kolkata'))).toBe('2026-03-01T03:30Z');
  });
});

describe('schedule specs', () => {
  it('intervals count from the epoch: the next multiple of everyMs strictly after', () => {
    const every5m = scheduleSpecSchema.parse({ kind: 'interval', everyMs: 300_000 });
    expect(iso(nextScheduled(every5m, utc('2026-03-01T10:02:13')))).toBe('2026-03-01T10:05Z');
    expect(iso(nextScheduled(every5m, utc('2026-03-01T10:05')))).toBe('2026-03-01T10:10Z');
    expect(nextScheduled({ kind: 'interval', everyMs: 1000 }, 1500)).toBe(2000);
  });

  it('cron specs default to UTC and validate expression, zone and interval', () => {
    expect(scheduleSpecSchema.parse({ kind: 'cron', cron: '@daily' })).toEqual({ kind: 'cron', cron: '@daily', timezone: 'UTC' });
    expect(nextScheduled({ kind: 'cron', cron: '0 9 * * *', timezone: 'Europe/Berlin' }, utc('2026-03-01T00:00'))).toBe(utc('2026-03-01T08:00'));
    const messages = (value: unknown) => scheduleSpecSchema.safeParse(value).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(messages({ kind: 'cron', cron: '0 25 * * *', timezone: 'Mars/Olympus' })).toEqual([
      'cron: invalid cron expression: hour: 25 is out of range 0-23',
      'timezone: unknown time zone; use an IANA name such as "Europe/Berlin" or "UTC"',
    ]);
    expect(messages({ kind: 'interval', everyMs: 999 })).toEqual([expect.stringMatching(/^everyMs: /)]);
  });
});
