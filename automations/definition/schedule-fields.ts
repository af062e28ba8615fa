import { z } from 'zod';
import { durationSchema } from '../expressions/index.ts';
import { CRON_TRIGGER, INTERVAL_TRIGGER, MIN_INTERVAL_MS, UNKNOWN_TIME_ZONE, cronProblem, isTimeZone } from '../schedules/index.ts';
import { described } from './schema-registry.ts';

/** The keys of a trigger that schedule it (`automation.cron`, `automation.interval`). */
export interface ScheduleFields {
  /** automation.cron only: 5-field cron expression or alias (`@hourly`, `@daily`, …). */
  cron?: string;
  /** automation.cron only: IANA time zone the expression is read in; UTC when absent. */
  timezone?: string;
  /** automation.interval only: milliseconds between occurrences, at least 1000. */
  every?: number;
}

export const scheduleFieldsShape = {
  cron: described(
    z.string().min(1).max(200),
    'automation.cron only: "minute hour day-of-month month day-of-week", e.g. "*/5 * * * *" or "0 9 * * MON-FRI", or @hourly, @daily, @weekly, @monthly, @yearly',
  ).optional(),
  timezone: described(z.string().min(1).max(64), 'automation.cron only: IANA time zone the cron expression is read in, e.g. Europe/Berlin (default UTC)').optional(),
  every: described(durationSchema.optional(), 'automation.interval only: at least 1s; fires at multiples of it since the Unix epoch'),
};

/**
 * The schedule keys are required by their own event and refused on any other: `cron` (a valid
 * expression) and optional `timezone` (a known zone) on automation.cron, `every` (at least 1 s)
 * on automation.interval. Issues carry the path of the key within the trigger.
 */
export function checkScheduleFields(trigger: ScheduleFields & { event: string }, context: z.RefinementCtx): void {
  const report = (key: keyof ScheduleFields, message: string) => context.addIssue({ code: 'custom', path: [key], message });
  if (trigger.event === CRON_TRIGGER) {
    if (trigger.cron === undefined) report('cron', `${CRON_TRIGGER} needs \`cron\`, e.g. "*/5 * * * *" or "0 9 * * MON-FRI"`);
    else {
      const problem = cronProblem(trigger.cron);
      if (problem !== null) report('cron', `invalid cron expression: ${problem}`);
    }
    if (trigger.timezone !== undefined && !isTimeZone(trigger.timezone)) report('timezone', UNKNOWN_TIME_ZONE);
  } else {
    for (const key of ['cron', 'timezone'] as const) if (trigger[key] !== undefined) report(key, `\`${key}\` is only for ${CRON_TRIGGER} triggers`);
  }
  if (trigger.event === INTERVAL_TRIGGER) {
    if (trigger.every === undefined) report('every', `${INTERVAL_TRIGGER} needs \`every\`, e.g. "30s" or "5m"`);
    else if (trigger.every < MIN_INTERVAL_MS) report('every', `an interval must be at least 1s (got ${trigger.every}ms)`);
  } else if (trigger.every !== undefined) report('every', `\`every\` is only for ${INTERVAL_TRIGGER} triggers`);
}
