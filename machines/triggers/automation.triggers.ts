import { z } from 'zod';
import { CRON_TRIGGER, INTERVAL_TRIGGER } from '../../automations/schedules/index.ts';
import { automationScheduleStateSchema } from '../automation-schedule.machine.ts';
import { defineTrigger, fire } from './define-trigger.ts';
import type { ChangeDeriver, TriggerMessage } from './trigger-definition.ts';

const occurrenceShape = {
  /** The `automation_schedule` entity that fired: `<automationId>:<triggerId>`. */
  scheduleId: z.string(),
  /** The automation and its trigger this occurrence is for: the only one it starts. */
  automationId: z.string(),
  triggerId: z.string(),
  /** Epoch ms: the occurrence as scheduled. */
  scheduledAt: z.number(),
  /** Epoch ms: when the tick was committed (later than `scheduledAt` by the timer's delay, or an outage). */
  firedAt: z.number(),
  /** Epoch ms: the occurrence armed next (null if a cron expression fires no more). */
  nextAt: z.number().nullable(),
};

const cronPayloadSchema = z.object({ ...occurrenceShape, cron: z.string(), timezone: z.string() });
export type CronTriggerPayload = z.infer<typeof cronPayloadSchema>;
const intervalPayloadSchema = z.object({ ...occurrenceShape, everyMs: z.number() });
export type IntervalTriggerPayload = z.infer<typeof intervalPayloadSchema>;

const category = 'Schedules';
const lateness =
  'Fired once per occurrence for the cluster. An occurrence missed while every node was down fires once when a node is back (scheduledAt is the missed one); later missed occurrences are skipped, not caught up.';

export const automationCron = defineTrigger({
  id: CRON_TRIGGER,
  displayName: 'Cron schedule',
  category,
  description: `At the times of the trigger's \`cron\` expression on the wall clock of its \`timezone\` (UTC by default). Starts only the automation trigger that declared it. ${lateness}`,
  contextKey: 'scheduleId',
  payloadSchema: cronPayloadSchema,
});

export const automationInterval = defineTrigger({
  id: INTERVAL_TRIGGER,
  displayName: 'Interval',
  category,
  description: `Every \`every\` (at least 1s), at multiples of it since the Unix epoch (every: 5m fires at :00, :05, … UTC). Starts only the automation trigger that declared it. ${lateness}`,
  contextKey: 'scheduleId',
  payloadSchema: intervalPayloadSchema,
});

export const automationTriggers = [automationCron, automationInterval];

/** Triggers of `automation_schedule` changes: one per committed tick (`fired` grew), by the schedule's kind. */
export const deriveAutomationScheduleTriggers: ChangeDeriver = (change) => {
  if (change.kind !== 'automation_schedule' || change.next === null) return [];
  const next = automationScheduleStateSchema.parse(change.next);
  const before = change.prev === null ? 0 : automationScheduleStateSchema.parse(change.prev).fired;
  if (next.fired <= before || next.lastScheduledAt === null || next.lastFiredAt === null || next.schedule === null) return [];
  const occurrence = {
    scheduleId: change.id,
    automationId: next.automationId,
    triggerId: next.triggerId,
    scheduledAt: next.lastScheduledAt,
    firedAt: next.lastFiredAt,
    nextAt: next.nextAt,
  };
  return next.schedule.kind === 'cron'
    ? [fire(automationCron, { ...occurrence, cron: next.schedule.cron, timezone: next.schedule.timezone })]
    : [fire(automationInterval, { ...occurrence, everyMs: next.schedule.everyMs })];
};

/**
 * The automation trigger a schedule event is for: `{ automationId, triggerId }` from the payload
 * of an `automation.cron` / `automation.interval` message, null for every other trigger event
 * (those go to every automation listening). A schedule event without them targets nothing.
 */
export function scheduleEventTargets(message: Pick<TriggerMessage, 'trigger' | 'payload'>): { automationId: string; triggerId: string } | null {
  if (message.trigger !== CRON_TRIGGER && message.trigger !== INTERVAL_TRIGGER) return null;
  const { automationId, triggerId } = message.payload;
  return typeof automationId === 'string' && typeof triggerId === 'string' ? { automationId, triggerId } : { automationId: '', triggerId: '' };
}

/** Whether `message` may start trigger `triggerId` of automation `automationId` (schedule events: only their own). */
export function triggerMessageTargets(message: Pick<TriggerMessage, 'trigger' | 'payload'>, automationId: string, triggerId: string): boolean {
  const target = scheduleEventTargets(message);
  return target === null || (target.automationId === automationId && target.triggerId === triggerId);
}
