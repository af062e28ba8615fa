import { z } from 'zod';
import { isTimeZone } from '../../machines/maintenance-schedule.ts';
import { MAX_DURATION_MS } from '../expressions/index.ts';
import { cronProblem, nextOccurrence } from './cron-expression.ts';

/** The trigger events a schedule fires (defined in machines/triggers/automation.triggers.ts). */
export const CRON_TRIGGER = 'automation.cron';
export const INTERVAL_TRIGGER = 'automation.interval';

/** Shortest interval an `automation.interval` trigger may have, in ms. */
export const MIN_INTERVAL_MS = 1000;

export const UNKNOWN_TIME_ZONE = 'unknown time zone; use an IANA name such as "Europe/Berlin" or "UTC"';

/** A cron expression (5 fields or an alias); the message says what is wrong with an invalid one. */
export const cronSourceSchema = z
  .string()
  .min(1)
  .max(200)
  .superRefine((source, context) => {
    const problem = cronProblem(source);
    if (problem !== null) context.addIssue({ code: 'custom', message: `invalid cron expression: ${problem}` });
  });

export const timeZoneNameSchema = z.string().min(1).max(64).refine(isTimeZone, UNKNOWN_TIME_ZONE);

/**
 * When a schedule fires: a cron expression on the wall clock of `timezone`, or every `everyMs`
 * milliseconds counted from the Unix epoch (so `every: 5m` fires at :00, :05, … UTC, however and
 * whenever it was configured).
 */
export const scheduleSpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('cron'), cron: cronSourceSchema, timezone: timeZoneNameSchema.default('UTC') }),
  z.object({ kind: z.literal('interval'), everyMs: z.number().int().min(MIN_INTERVAL_MS).max(MAX_DURATION_MS) }),
]);
export type ScheduleSpec = z.output<typeof scheduleSpecSchema>;

/**
 * The first occurrence of `spec` strictly after `afterMs` (epoch ms), or null when a cron
 * expression fires in none of the next 28 years. `spec` must have passed `scheduleSpecSchema`.
 */
export function nextScheduled(spec: ScheduleSpec, afterMs: number): number | null {
  if (spec.kind === 'interval') return (Math.floor(afterMs / spec.everyMs) + 1) * spec.everyMs;
  return nextOccurrence(spec.cron, afterMs, spec.timezone);
}
