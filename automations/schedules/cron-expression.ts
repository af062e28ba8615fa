import { localDay, offsetMs } from '../../machines/maintenance-schedule.ts';
import { CronExpressionError } from './errors.ts';

/**
 * Five-field cron expressions (`minute hour day-of-month month day-of-week`), read like Vixie
 * cron, and their next occurrence on the wall clock of an IANA time zone. Pure: time zone rules
 * come from the runtime's Intl data (ICU); nothing reads a clock.
 *
 * Fields take `*`, numbers, names (`JAN`–`DEC`, `SUN`–`SAT`, any case), ranges `a-b`, lists
 * `a,b`, steps `*\/n`, `a-b/n` and `a/n` (from `a` to the end of the range). Day-of-week is 0–7,
 * both 0 and 7 meaning Sunday (so a range may end on it: `FRI-SUN`). Aliases: `@yearly`
 * (`@annually`), `@monthly`, `@weekly`, `@daily` (`@midnight`), `@hourly`. Seconds and Quartz
 * extensions (`?`, `L`, `W`, `#`) are refused.
 *
 * Day-of-month and day-of-week, as in Vixie cron: when both fields are restricted (neither starts
 * with `*`), a day matches if either matches (`0 9 1,15 * MON` = the 1st, the 15th and every
 * Monday); when one starts with `*` (also `*\/2`), both must match.
 *
 * Daylight saving time: a local time that does not exist (clocks turned forward) fires at the same
 * instant as the time that far after it, the way iCalendar and Temporal read it (02:30 in a
 * 02:00→03:00 gap fires at 03:30 new time; times that land on the same instant fire once). A local
 * time that occurs twice (clocks turned back) fires at its first occurrence only, unless the hour
 * field starts with `*` (hourly or more often by the clock): then it fires in both passes, so
 * `*\/15 * * * *` keeps firing every 15 minutes through the repeated hour.
 */
export interface CronExpression {
  /** As written (trimmed). */
  readonly source: string;
  /** Ascending. */
  readonly minutes: readonly number[];
  /** Ascending. */
  readonly hours: readonly number[];
  readonly daysOfMonth: ReadonlySet<number>;
  /** 1–12. */
  readonly months: ReadonlySet<number>;
  /** 0–6, Sunday 0. */
  readonly daysOfWeek: ReadonlySet<number>;
  /** Vixie's rule: the day fields are OR-ed only when both are restricted. */
  readonly eitherDay: boolean;
  /** The hour field starts with `*`: repeated local times fire in both passes. */
  readonly hourlyByClock: boolean;
}

const aliases: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const monthNames = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const dayNames = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  /** Names for `min`, `min + 1`, … */
  names?: readonly string[];
}

const fields: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: monthNames },
  { name: 'day-of-week', min: 0, max: 7, names: dayNames },
];

/** Days per month in a leap year: a day-of-month that fits none of the chosen months never matches. */
const longestMonth = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Reads `source`. Throws `CronExpressionError` (with the field at fault) for anything malformed,
 * out of range, or that can never match (`0 0 30 2 *`).
 */
export function parseCron(source: string): CronExpression {
  const trimmed = source.trim();
  const expanded = trimmed.startsWith('@') ? aliases[trimmed.toLowerCase()] : trimmed;
  if (expanded === undefined) {
    throw CronExpressionError.shape(source, `unknown alias ${trimmed} (known: ${Object.keys(aliases).join(', ')})`);
  }
  const parts = expanded.split(/\s+/).filter((part) => part !== '');
  if (parts.length !== 5) {
    const hint = parts.length === 6 ? ' (seconds are not supported)' : '';
    throw CronExpressionError.shape(source, `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}${hint}`);
  }
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = parts.map((part, index) => parseField(source, part, fields[index]!)) as [
    number[], number[], number[], number[], number[],
  ];
  const expression: CronExpression = {
    source: trimmed,
    minutes,
    hours,
    daysOfMonth: new Set(daysOfMonth),
    months: new Set(months),
    daysOfWeek: new Set(daysOfWeek.map((day) => day % 7)),
    eitherDay: !parts[2]!.startsWith('*') && !parts[4]!.startsWith('*'),
    hourlyByClock: parts[1]!.startsWith('*'),
  };
  // Only a day-of-month that has to hold on its own can make the expression impossible: a
  // day-of-week always comes round, and a day-of-month field starting with `*` includes the 1st.
  if (!expression.eitherDay && !parts[2]!.startsWith('*') && !months.some((month) => daysOfMonth.some((day) => day <= longestMonth[month - 1]!))) {
    const named = months.map((month) => monthNames[month - 1]).join(',');
    throw CronExpressionError.neverMatches(source, `day-of-month ${parts[2]} never occurs in ${named}`);
  }
  return expression;
}

/** Null when `source` is a valid cron expression, else why not (for save-time messages). */
export function cronProblem(source: string): string | null {
  try {
    parseCron(source);
    return null;
  } catch (error) {
    if (error instanceof CronExpressionError) return error.reason;
    throw error;
  }
}

function parseField(source: string, text: string, spec: FieldSpec): number[] {
  const values = new Set<number>();
  const fail = (reason: string): never => {
    throw CronExpressionError.field(source, spec.name, reason);
  };
  const value = (token: string): number => {
    if (/^\d+$/.test(token)) {
      const number = Number(token);
      if (number < spec.min || number > spec.max) fail(`${number} is out of range ${spec.min}-${spec.max}`);
      return number;
    }
    const index = spec.names?.indexOf(token.toUpperCase()) ?? -1;
    if (index < 0) fail(`unexpected ${JSON.stringify(token)}${spec.names ? ` (numbers ${spec.min}-${spec.max} or ${spec.names[0]}-${spec.names.at(-1)})` : ` (numbers ${spec.min}-${spec.max})`}`);
    return spec.min + index;
  };
  for (const part of text.split(',')) {
    if (part === '') fail(`empty list item in ${JSON.stringify(text)}`);
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined || range === '' || stepText === '') fail(`malformed step in ${JSON.stringify(part)}`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) fail(`the step in ${JSON.stringify(part)} must be a whole number of at least 1`);
      step = Number(stepText);
    }
    let low: number;
    let high: number;
    if (range === '*') [low, high] = [spec.min, spec.max];
    else {
      const bounds = range!.split('-');
      if (bounds.length > 2 || bounds.some((bound) => bound === '')) fail(`malformed range ${JSON.stringify(range)}`);
      low = value(bounds[0]!);
      // `a/n` runs from a to the end of the field's range.
      high = bounds.length === 2 ? value(bounds[1]!) : stepText !== undefined ? spec.max : low;
      // `FRI-SUN`: a day-of-week range may end on Sunday as 7.
      if (spec.names === dayNames && high === 0 && low > 0) high = 7;
      if (high < low) fail(`range ${range} goes backwards (write it as two ranges, e.g. ${bounds[0]}-${spec.names?.at(-1) ?? spec.max},${spec.names?.[0] ?? spec.min}-${bounds[1]})`);
    }
    for (let current = low; current <= high; current += step) values.add(current);
  }
  return [...values].sort((a, b) => a - b);
}

const minuteMs = 60_000;
const hourMs = 3_600_000;
const dayMs = 86_400_000;
/** How far ahead to look: the weekdays of dates repeat within 28 years (inside one century). */
const horizonDays = 28 * 366;

const parsed = new Map<string, CronExpression>();

function expressionOf(expression: string | CronExpression): CronExpression {
  if (typeof expression !== 'string') return expression;
  let found = parsed.get(expression);
  if (!found) {
    found = parseCron(expression);
    // Expressions are user input: bound the cache.
    if (parsed.size >= 1000) parsed.clear();
    parsed.set(expression, found);
  }
  return found;
}

/**
 * The first instant strictly after `afterMs` (epoch ms) at which `expression` fires on the wall
 * clock of `timeZone` (default UTC), or null when it fires in none of the next 28 years. Throws
 * `CronExpressionError` for an invalid expression and a RangeError for an unknown time zone.
 */
export function nextOccurrence(expression: string | CronExpression, afterMs: number, timeZone = 'UTC'): number | null {
  const cron = expressionOf(expression);
  // A day's instants all come before the next day's, except where a DST gap at midnight moves a
  // time into the next day: so look one matching day further than the first hit.
  const firstDay = localDay(timeZone, afterMs) - 1;
  let best: number | null = null;
  let bestDay = Infinity;
  for (let day = firstDay; day <= firstDay + horizonDays && day <= bestDay + 1; day++) {
    if (!dayMatches(cron, day)) continue;
    const found = firstOnDay(cron, timeZone, day, afterMs);
    if (found !== null && (best === null || found < best)) [best, bestDay] = [found, Math.min(bestDay, day)];
  }
  return best;
}

/** Whether local day `day` (days since 1970-01-01 on the wall clock) is one the expression fires on. */
function dayMatches(cron: CronExpression, day: number): boolean {
  const date = new Date(day * dayMs);
  if (!cron.months.has(date.getUTCMonth() + 1)) return false;
  const byMonthDay = cron.daysOfMonth.has(date.getUTCDate());
  const byWeekday = cron.daysOfWeek.has(date.getUTCDay());
  return cron.eitherDay ? byMonthDay || byWeekday : byMonthDay && byWeekday;
}

/** The earliest instant after `afterMs` among the expression's times on local day `day`. */
function firstOnDay(cron: CronExpression, timeZone: string, day: number, afterMs: number): number | null {
  const midnight = day * dayMs;
  // Offsets a day before and a day after: equal on all but the days around a DST change.
  const before = offsetMs(timeZone, midnight - dayMs);
  const after = offsetMs(timeZone, midnight + 2 * dayMs);
  if (before === after) {
    // One offset all day: local order is instant order, the first time past `afterMs` wins.
    for (const hour of cron.hours) {
      for (const minute of cron.minutes) {
        const instant = midnight + hour * hourMs + minute * minuteMs - before;
        if (instant > afterMs) return instant;
      }
    }
    return null;
  }
  let best: number | null = null;
  for (const hour of cron.hours) {
    for (const minute of cron.minutes) {
      for (const instant of instantsOf(timeZone, midnight + hour * hourMs + minute * minuteMs, before, after, cron.hourlyByClock)) {
        if (instant > afterMs && (best === null || instant < best)) best = instant;
      }
    }
  }
  return best;
}

/**
 * The instants showing local time `wallMs` on a day whose offset changes from `before` to
 * `after`: one normally, two in a repeated hour (the first only unless `bothPasses`), and in a gap
 * the instant `wallMs` would be at the old offset (pushed forward by the gap, like `zonedToUtc`).
 */
function instantsOf(timeZone: string, wallMs: number, before: number, after: number, bothPasses: boolean): number[] {
  const valid = [wallMs - before, wallMs - after].filter((instant) => offsetMs(timeZone, instant) === wallMs - instant);
  if (valid.length === 0) return [wallMs - before];
  if (valid.length === 2 && !bothPasses) return [Math.min(...valid)];
  return valid;
}
