/**
 * Public surface of `automations/schedules/`: cron expressions and intervals, and when they fire
 * next. Pure: no I/O, no clock (time zone rules from Intl).
 */
export { parseCron, cronProblem, nextOccurrence, type CronExpression } from './cron-expression.ts';
export { CronExpressionError } from './errors.ts';
export { isTimeZone } from '../../machines/maintenance-schedule.ts';
export {
  CRON_TRIGGER,
  INTERVAL_TRIGGER,
  MIN_INTERVAL_MS,
  UNKNOWN_TIME_ZONE,
  cronSourceSchema,
  timeZoneNameSchema,
  scheduleSpecSchema,
  nextScheduled,
  type ScheduleSpec,
} from './schedule-spec.ts';
