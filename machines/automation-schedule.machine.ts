import { assign, setup } from 'xstate';
import { z } from 'zod';
import { nextScheduled, scheduleSpecSchema } from '../automations/schedules/index.ts';
import { jsonEqual } from './entity-change.ts';
import { defineEntity, type DurableTimer, type Timed } from './entity-definition.ts';
import type { EntityInput } from './shared-schemas.ts';

/**
 * The clock of one schedule trigger (`automation.cron` or `automation.interval`) of one
 * automation: one entity per (automation, trigger), id `automationScheduleId(automationId,
 * triggerId)`. `armed` holds the next occurrence in `nextAt` and the runtime keeps a durable timer
 * for it; each `tick` commits a transition that records the occurrence (`fired` + 1,
 * `lastScheduledAt`) and arms the next one, and that change is what fires the trigger event
 * (machines/triggers/automation.triggers.ts). The entity runtime applies events one at a time and
 * fences commits by version, so an occurrence is recorded once, however many nodes' timers fire.
 *
 * The schedule keeper (automations/engine) sends `configure` and `stop` from the automation's
 * changes, stamped with the automation entity's `automationVersion`: an event from an older
 * version than the last one applied is refused, so changes handled out of order (two nodes, a
 * redelivery) converge on the newest. Re-configuring the same schedule keeps the pending
 * occurrence; a different schedule, or configuring a stopped one, plans from the event's `at`.
 *
 * Catch-up rule: a tick that comes late (nodes were down) fires once, for the occurrence it was
 * armed for (`lastScheduledAt = dueAt`, `lastFiredAt = at`); every other occurrence up to `at` is
 * skipped, and the next one armed is the first strictly after `at`. A week-long outage of an
 * hourly schedule yields one run, not 168.
 */
export const automationScheduleMachineVersion = 1;

export const scheduleStatusSchema = z.enum(['armed', 'stopped']);
export type ScheduleStatus = z.infer<typeof scheduleStatusSchema>;

const automationVersionSchema = z.number().int().positive();

export const automationScheduleEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('configure'),
    automationId: z.string().min(1).max(64),
    /** The automation's trigger id (`triggers[].id`). */
    triggerId: z.string().min(1).max(64),
    /** The automation entity's version this configuration comes from. */
    automationVersion: automationVersionSchema,
    schedule: scheduleSpecSchema,
  }),
  z.object({
    type: z.literal('stop'),
    automationId: z.string().min(1).max(64),
    triggerId: z.string().min(1).max(64),
    automationVersion: automationVersionSchema,
    /** Shown in the state as `stopReason`, e.g. "the automation was disabled". */
    reason: z.string().max(200).default('stopped'),
  }),
  /** Internal: sent by the runtime's durable timer, never accepted as a command. */
  z.object({ type: z.literal('tick'), dueAt: z.number().int().nonnegative() }),
]);
export type AutomationScheduleEvent = Timed<z.output<typeof automationScheduleEventSchema>>;

export const automationScheduleStateSchema = z.object({
  scheduleId: z.string(),
  automationId: z.string(),
  triggerId: z.string(),
  /** Newest automation version applied; older `configure` and `stop` are refused. */
  automationVersion: z.number().int().nonnegative(),
  /** Null only for a schedule stopped before it was ever configured. */
  schedule: scheduleSpecSchema.nullable(),
  /** Mirrors the XState state. */
  status: scheduleStatusSchema,
  /** The pending occurrence (epoch ms) while armed; null when stopped. */
  nextAt: z.number().nullable(),
  /** Occurrences fired so far (ticks committed). */
  fired: z.number().int().nonnegative(),
  /** The occurrence the last tick fired for, and when it fired. */
  lastScheduledAt: z.number().nullable(),
  lastFiredAt: z.number().nullable(),
  /** When the current schedule was set (or re-armed after a stop). */
  configuredAt: z.number(),
  /** Why it stopped, while stopped. */
  stopReason: z.string().nullable(),
});
export type AutomationScheduleState = z.infer<typeof automationScheduleStateSchema>;

type Context = Omit<AutomationScheduleState, 'status'>;

/**
 * The entity id of the schedule of trigger `triggerId` of automation `automationId`:
 * `<automationId>:<triggerId>`. When that passes the 128 characters an id may have (both ids at
 * their 64-character limit), the trigger part is shortened and suffixed with a hash of it.
 */
export function automationScheduleId(automationId: string, triggerId: string): string {
  const id = `${automationId}:${triggerId}`;
  if (id.length <= 128) return id;
  const hash = fnv1a(triggerId).toString(16).padStart(8, '0');
  return `${automationId}:${triggerId.slice(0, 128 - automationId.length - 10)}-${hash}`;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193) >>> 0;
  return hash;
}

/** Pure reducer: the context after `event` in a state that is `armed` or not, or null when the event does not apply. */
function apply(context: Context, armed: boolean, event: AutomationScheduleEvent): Context | null {
  switch (event.type) {
    case 'configure':
    case 'stop': {
      if (event.automationVersion < context.automationVersion) return null;
      if (automationScheduleId(event.automationId, event.triggerId) !== context.scheduleId) return null;
      const base = { ...context, automationId: event.automationId, triggerId: event.triggerId, automationVersion: event.automationVersion };
      // Stopping a stopped schedule still records the version (so an older configure stays refused).
      if (event.type === 'stop') return { ...base, nextAt: null, stopReason: event.reason };
      // The same schedule, still armed: keep the pending occurrence.
      if (armed && jsonEqual(event.schedule, context.schedule)) return base;
      return { ...base, schedule: event.schedule, nextAt: nextScheduled(event.schedule, event.at), configuredAt: event.at, stopReason: null };
    }
    case 'tick':
      // Never early, and only for the pending occurrence: a stale or repeated firing does nothing.
      if (!armed || context.schedule === null || context.nextAt !== event.dueAt || event.at < event.dueAt) return null;
      return { ...context, fired: context.fired + 1, lastScheduledAt: event.dueAt, lastFiredAt: event.at, nextAt: nextScheduled(context.schedule, event.at) };
  }
}

/** One guarded transition: XState targets are static, whether the event applies is data. */
const to = (target: 'armed' | 'stopped', armed: boolean) => ({
  guard: { type: 'applies' as const, params: { armed } },
  target,
  actions: { type: 'apply' as const, params: { armed } },
});

export const automationScheduleMachine = setup({
  types: {} as { context: Context; events: AutomationScheduleEvent; input: EntityInput },
  guards: {
    applies: ({ context, event }, params: { armed: boolean }) => apply(context, params.armed, event) !== null,
  },
  actions: {
    apply: assign(({ context, event }, params: { armed: boolean }) => apply(context, params.armed, event) ?? context),
  },
}).createMachine({
  id: 'automation_schedule',
  context: ({ input }) => ({
    scheduleId: input.id,
    automationId: '',
    triggerId: '',
    automationVersion: 0,
    schedule: null,
    nextAt: null,
    fired: 0,
    lastScheduledAt: null,
    lastFiredAt: null,
    configuredAt: 0,
    stopReason: null,
  }),
  initial: 'absent',
  states: {
    absent: {
      on: {
        configure: to('armed', false),
        // A stop that overtook the configure before it: remembered, so that configure is refused.
        stop: to('stopped', false),
      },
    },
    armed: {
      on: {
        configure: to('armed', true),
        stop: to('stopped', true),
        tick: to('armed', true),
      },
    },
    stopped: {
      on: {
        configure: to('armed', false),
        stop: to('stopped', false),
      },
    },
  },
});

/**
 * Schedule entities: reactive state from the first `configure` (or `stop`) on, never deleted (a
 * stopped schedule is a few hundred bytes; configuring it again re-arms it). One durable timer
 * (`occurrence`, event `tick`) while armed with a next occurrence.
 */
export const automationScheduleDefinition = defineEntity({
  kind: 'automation_schedule',
  machine: automationScheduleMachine,
  machineVersion: automationScheduleMachineVersion,
  eventSchema: automationScheduleEventSchema,
  internalEventTypes: ['tick'],
  stateSchema: automationScheduleStateSchema,
  toState: (snapshot) => {
    const status = snapshot.value;
    if (status === 'absent') return null;
    return { ...snapshot.context, status };
  },
  timers: (snapshot): DurableTimer[] => {
    const dueAt = snapshot.context.nextAt;
    if (snapshot.value !== 'armed' || dueAt === null) return [];
    return [{ name: 'occurrence', dueAt, event: { type: 'tick', dueAt } }];
  },
});
