import { secondsOfDay, type TimeCondition, type Weekday } from '../definition/index.ts';

export interface LocalTime {
  /** Seconds since local midnight. */
  secondsOfDay: number;
  weekday: Weekday;
}

// Creating a DateTimeFormat is costly (~tens of µs); one per time zone is reused.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // h23: midnight is 00, never 24 (some ICU versions print 24 with hour12: false).
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit', weekday: 'short' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Wall-clock time and weekday at epoch ms `at` in `timeZone` (an IANA name; throws RangeError for an unknown one). */
export function localTime(at: number, timeZone: string): LocalTime {
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const part of formatterFor(timeZone).formatToParts(at)) parts[part.type] = part.value;
  const hours = Number(parts.hour) % 24;
  return {
    secondsOfDay: hours * 3600 + Number(parts.minute) * 60 + Number(parts.second),
    weekday: (parts.weekday ?? '').slice(0, 3).toLowerCase() as Weekday,
  };
}

/**
 * True when `at` falls in the condition's window: at or after `after`, before `before` (when
 * `after` > `before` the window spans midnight: at or after `after` OR before `before`), on one
 * of `weekdays` (the local weekday of `at` itself, also in the part of a window after midnight).
 */
export function isWithinTimeWindow(condition: Pick<TimeCondition, 'after' | 'before' | 'weekdays' | 'timezone'>, at: number): boolean {
  const local = localTime(at, condition.timezone);
  if (condition.weekdays && !condition.weekdays.includes(local.weekday)) return false;
  const after = condition.after === undefined ? undefined : secondsOfDay(condition.after);
  const before = condition.before === undefined ? undefined : secondsOfDay(condition.before);
  if (after !== undefined && before !== undefined && after > before) return local.secondsOfDay >= after || local.secondsOfDay < before;
  if (after !== undefined && local.secondsOfDay < after) return false;
  if (before !== undefined && local.secondsOfDay >= before) return false;
  return true;
}
