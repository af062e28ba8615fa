import { z } from 'zod';

/**
 * When a maintenance is active: one window (`once`) or a weekly recurrence in a time zone
 * (`recurring`). Pure: the time zone rules come from the runtime's Intl data (ICU), nothing reads
 * a clock. All instants are epoch milliseconds; a window is half-open, `[startsAt, endsAt)`.
 */
export const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export const weekdaySchema = z.enum(weekdays);
export type Weekday = z.infer<typeof weekdaySchema>;

const epochMsSchema = z.number().int().nonnegative();

/** Whether the runtime knows `timeZone` as an IANA time zone name (e.g. `Europe/Berlin`, `UTC`). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatterOf(timeZone);
    return true;
  } catch {
    return false;
  }
}

export const onceScheduleSchema = z
  .object({ kind: z.literal('once'), startsAt: epochMsSchema, endsAt: epochMsSchema })
  .refine((schedule) => schedule.endsAt > schedule.startsAt, { message: 'endsAt must be after startsAt', path: ['endsAt'] });

export const recurringScheduleSchema = z
  .object({
    kind: z.literal('recurring'),
    timezone: z.string().min(1).max(64).refine(isTimeZone, 'an IANA time zone name such as Europe/Berlin'),
    weekdays: z
      .array(weekdaySchema)
      .min(1)
      .refine((days) => new Set(days).size === days.length, 'weekdays must not repeat'),
    /** Local wall-clock time in `timezone` when each window starts. */
    startTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 00:00 to 23:59'),
    /** Elapsed minutes (a window that spans a DST change lasts exactly this long). */
    durationMinutes: z.number().int().min(1).max(10_080),
    /** No window starts before `from` (epoch ms). */
    from: epochMsSchema.optional(),
    /** No window starts at or after `until` (epoch ms); one that started before runs to its end. */
    until: epochMsSchema.optional(),
  })
  .refine((schedule) => schedule.from === undefined || schedule.until === undefined || schedule.until > schedule.from, {
    message: 'until must be after from',
    path: ['until'],
  });

export const maintenanceScheduleSchema = z.discriminatedUnion('kind', [onceScheduleSchema, recurringScheduleSchema]);
export type MaintenanceSchedule = z.infer<typeof maintenanceScheduleSchema>;
export type RecurringSchedule = z.infer<typeof recurringScheduleSchema>;

export const maintenanceWindowSchema = z.object({ startsAt: z.number(), endsAt: z.number() });
/** A half-open interval `[startsAt, endsAt)` of epoch milliseconds. */
export type MaintenanceWindow = z.infer<typeof maintenanceWindowSchema>;

const minuteMs = 60_000;
const dayMs = 86_400_000;

/**
 * The window that contains `atMs` (`startsAt <= atMs < endsAt`), or null. When recurring windows
 * overlap there (durations longer than the gap between two starts, or a DST change shortening it),
 * the result spans all windows that contain `atMs`: earliest start, latest end.
 */
export function windowAt(schedule: MaintenanceSchedule, atMs: number): MaintenanceWindow | null {
  if (schedule.kind === 'once') return schedule.startsAt <= atMs && atMs < schedule.endsAt ? { startsAt: schedule.startsAt, endsAt: schedule.endsAt } : null;
  const durationMs = schedule.durationMinutes * minuteMs;
  let found: MaintenanceWindow | null = null;
  // A window containing atMs started at most durationMs before it; one day of margin each side for offsets.
  for (let day = localDay(schedule.timezone, atMs - durationMs) - 1; day <= localDay(schedule.timezone, atMs) + 1; day++) {
    const window = occurrence(schedule, day);
    if (window === null || window.startsAt > atMs || atMs >= window.endsAt) continue;
    found = found === null ? window : { startsAt: Math.min(found.startsAt, window.startsAt), endsAt: Math.max(found.endsAt, window.endsAt) };
  }
  return found;
}

/** The earliest window that starts at or after `afterMs`, or null when no window starts any more. */
export function nextWindow(schedule: MaintenanceSchedule, afterMs: number): MaintenanceWindow | null {
  if (schedule.kind === 'once') return schedule.startsAt >= afterMs ? { startsAt: schedule.startsAt, endsAt: schedule.endsAt } : null;
  const lower = Math.max(afterMs, schedule.from ?? afterMs);
  // Every weekday comes round within the 9 local days from the day before `lower`.
  const first = localDay(schedule.timezone, lower) - 1;
  for (let day = first; day <= first + 9; day++) {
    const window = occurrence(schedule, day);
    if (window === null || window.startsAt < lower) continue;
    return schedule.until !== undefined && window.startsAt >= schedule.until ? null : window;
  }
  return null;
}

/** The window of `schedule` that starts on local day `day` (days since 1970-01-01 in its zone), if any. */
function occurrence(schedule: RecurringSchedule, day: number): MaintenanceWindow | null {
  // 1970-01-01 was a Thursday (index 4 of `weekdays`).
  if (!schedule.weekdays.includes(weekdays[(((day + 4) % 7) + 7) % 7]!)) return null;
  const [hour, minute] = schedule.startTime.split(':').map(Number) as [number, number];
  const startsAt = zonedToUtc(schedule.timezone, day * dayMs + hour * 3_600_000 + minute * minuteMs);
  if (schedule.from !== undefined && startsAt < schedule.from) return null;
  if (schedule.until !== undefined && startsAt >= schedule.until) return null;
  return { startsAt, endsAt: startsAt + schedule.durationMinutes * minuteMs };
}

/**
 * The instant at which the wall clock of `timeZone` shows `wallMs` (a local date and time written
 * as if it were UTC). Like Temporal's `disambiguation: 'compatible'`: a time that occurs twice
 * (clocks turned back) is its first occurrence; a time that does not exist (clocks turned forward)
 * is moved forward by the length of the gap (02:30 → 03:30 on a one-hour change).
 */
export function zonedToUtc(timeZone: string, wallMs: number): number {
  const before = offsetMs(timeZone, wallMs - dayMs);
  const after = offsetMs(timeZone, wallMs + dayMs);
  const valid = [before, after].map((offset) => wallMs - offset).filter((instant) => wallMs - instant === offsetMs(timeZone, instant));
  return valid.length > 0 ? Math.min(...valid) : wallMs - before;
}

/** The local day (days since 1970-01-01 on the wall clock of `timeZone`) at instant `utcMs`. */
export function localDay(timeZone: string, utcMs: number): number {
  return Math.floor((utcMs + offsetMs(timeZone, utcMs)) / dayMs);
}

/** How far the wall clock of `timeZone` is ahead of UTC at instant `utcMs`, in milliseconds. */
export function offsetMs(timeZone: string, utcMs: number): number {
  const seconds = Math.floor(utcMs / 1000) * 1000;
  const parts: Record<string, number> = {};
  for (const part of formatterOf(timeZone).formatToParts(seconds)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - seconds;
}

// Building a DateTimeFormat costs far more than using one; the rules they apply never change in a process.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    // Spellings are user input (names are case-insensitive): bound the cache.
    if (formatters.size >= 1000) formatters.clear();
    formatters.set(timeZone, formatter);
  }
  return formatter;
}
