import { assign, setup } from 'xstate';
import { z } from 'zod';
import { entityIdSchema, jsonEqual } from './entity-change.ts';
import { defineEntity, type DurableTimer, type Timed } from './entity-definition.ts';
import {
  maintenanceScheduleSchema,
  maintenanceWindowSchema,
  nextWindow,
  windowAt,
  type MaintenanceSchedule,
  type MaintenanceWindow,
} from './maintenance-schedule.ts';
import type { EntityInput } from './shared-schemas.ts';

/**
 * A planned maintenance of some systems: `scheduled` (its next window is known) → `active` (inside
 * a window) → `scheduled` again for a recurrence, or `finished` (no window starts any more, or
 * cancelled), and `deleted` (final). The entity id is the maintenance id.
 *
 * Time arrives in events only: `create` and a changed `schedule` are planned from the event's `at`
 * (already inside a window: straight to `active`). The runtime's durable timer sends
 * `window_start` at `nextWindow.startsAt` and `window_end` at `currentWindow.endsAt`; a timer event
 * applies only for the current deadline, at or after it. Each firing re-plans from its own `at`,
 * so a timer that fires late (nodes were down) never opens a window that is already over: windows
 * missed entirely are skipped, a window still running when the timer fires is entered late.
 * Windows that overlap or touch form one continuous maintenance: `currentWindow.startsAt` stays
 * when it became active and `endsAt` moves on.
 */
export const maintenanceMachineVersion = 1;

export const maintenanceStatusSchema = z.enum(['scheduled', 'active', 'finished']);
export type MaintenanceStatus = z.infer<typeof maintenanceStatusSchema>;

const titleSchema = z.string().min(1).max(200);
const descriptionSchema = z.string().max(10_000);
const systemIdsSchema = z
  .array(entityIdSchema)
  .min(1)
  .max(100)
  .refine((ids) => new Set(ids).size === ids.length, 'ids must not repeat');

export const maintenanceEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('create'),
    title: titleSchema,
    description: descriptionSchema.default(''),
    systemIds: systemIdsSchema,
    schedule: maintenanceScheduleSchema,
  }),
  z.object({
    type: z.literal('update'),
    title: titleSchema.optional(),
    description: descriptionSchema.optional(),
    systemIds: systemIdsSchema.optional(),
    schedule: maintenanceScheduleSchema.optional(),
  }),
  z.object({ type: z.literal('cancel') }),
  /** Internal: sent by the runtime's durable timer, never accepted as a command. */
  z.object({ type: z.literal('window_start'), dueAt: z.number().int().nonnegative() }),
  /** Internal: sent by the runtime's durable timer, never accepted as a command. */
  z.object({ type: z.literal('window_end'), dueAt: z.number().int().nonnegative() }),
  z.object({ type: z.literal('delete') }),
]);
export type MaintenanceEvent = Timed<z.output<typeof maintenanceEventSchema>>;

export const maintenanceStateSchema = z.object({
  maintenanceId: z.string(),
  title: z.string(),
  description: z.string(),
  systemIds: z.array(z.string()),
  schedule: maintenanceScheduleSchema,
  /** Mirrors the XState state; lets change consumers see the edge from `prev` and `next` alone. */
  status: maintenanceStatusSchema,
  /** Non-null exactly while active: since when, and until when as planned now. */
  currentWindow: maintenanceWindowSchema.nullable(),
  /** The window after the current one (or the next one while scheduled); null when none will start. */
  nextWindow: maintenanceWindowSchema.nullable(),
});
export type MaintenanceState = z.infer<typeof maintenanceStateSchema>;

export interface MaintenanceContext extends Omit<MaintenanceState, 'status' | 'schedule'> {
  /** Null only before `create`. */
  schedule: MaintenanceSchedule | null;
}

type Windows = Pick<MaintenanceContext, 'currentWindow' | 'nextWindow'>;

/** The status a context stands for: the windows decide it, so the reducer needs no state value. */
export function maintenanceStatusOf(context: Windows): MaintenanceStatus {
  return context.currentWindow !== null ? 'active' : context.nextWindow !== null ? 'scheduled' : 'finished';
}

/**
 * The windows at `at`. `current` is the window the maintenance is in (null when not active): a
 * window found at `at` that overlaps or touches it continues it rather than starting a new one.
 */
function plan(schedule: MaintenanceSchedule, at: number, current: MaintenanceWindow | null): Windows {
  const found = windowAt(schedule, at);
  if (found === null) return { currentWindow: null, nextWindow: nextWindow(schedule, at) };
  const currentWindow = current !== null && found.startsAt <= current.endsAt ? { startsAt: current.startsAt, endsAt: found.endsAt } : found;
  return { currentWindow, nextWindow: nextWindow(schedule, currentWindow.endsAt) };
}

/** Pure reducer: the context after `event`, or null when the event does not apply to this context. */
function apply(context: MaintenanceContext, event: MaintenanceEvent): MaintenanceContext | null {
  switch (event.type) {
    case 'create':
      return {
        ...context,
        title: event.title,
        description: event.description,
        systemIds: event.systemIds,
        schedule: event.schedule,
        ...plan(event.schedule, event.at, null),
      };
    case 'update': {
      const fields = {
        title: event.title ?? context.title,
        description: event.description ?? context.description,
        systemIds: event.systemIds ?? context.systemIds,
      };
      // Only a different schedule re-plans: repeating the current one (a setup file applied again)
      // must not revive a cancelled maintenance.
      if (event.schedule === undefined || jsonEqual(event.schedule, context.schedule)) return { ...context, ...fields };
      return { ...context, ...fields, schedule: event.schedule, ...plan(event.schedule, event.at, context.currentWindow) };
    }
    case 'cancel':
      return maintenanceStatusOf(context) === 'finished' ? null : { ...context, currentWindow: null, nextWindow: null };
    case 'window_start':
      // Never early, and only for the current deadline: a stale or repeated firing does nothing.
      if (context.schedule === null || context.currentWindow !== null || context.nextWindow?.startsAt !== event.dueAt || event.at < event.dueAt) return null;
      return { ...context, ...plan(context.schedule, event.at, null) };
    case 'window_end':
      if (context.schedule === null || context.currentWindow?.endsAt !== event.dueAt || event.at < event.dueAt) return null;
      return { ...context, ...plan(context.schedule, event.at, context.currentWindow) };
    case 'delete':
      return context;
  }
}

/** One guarded transition per status an event may lead to: XState targets are static, the status is data. */
const toStatus = maintenanceStatusSchema.options.map((status) => ({
  guard: { type: 'leadsTo' as const, params: { status } },
  target: status,
  actions: 'apply' as const,
}));

const existing = {
  on: {
    update: toStatus,
    cancel: toStatus,
    window_start: toStatus,
    window_end: toStatus,
    delete: { target: 'deleted' },
  },
};

export const maintenanceMachine = setup({
  types: {} as { context: MaintenanceContext; events: MaintenanceEvent; input: EntityInput },
  guards: {
    leadsTo: ({ context, event }, params: { status: MaintenanceStatus }) => {
      const next = apply(context, event);
      return next !== null && maintenanceStatusOf(next) === params.status;
    },
  },
  actions: {
    apply: assign(({ context, event }) => apply(context, event) ?? context),
  },
}).createMachine({
  id: 'maintenance',
  context: ({ input }) => ({
    maintenanceId: input.id,
    title: '',
    description: '',
    systemIds: [],
    schedule: null,
    currentWindow: null,
    nextWindow: null,
  }),
  initial: 'absent',
  states: {
    absent: { on: { create: toStatus } },
    scheduled: existing,
    active: existing,
    finished: existing,
    deleted: { type: 'final' },
  },
});

/**
 * Maintenance entities: reactive state from `create` until `delete` (then null for good); one
 * durable timer while scheduled (`window_start`) or active (`window_end`), none when finished.
 */
export const maintenanceDefinition = defineEntity({
  kind: 'maintenance',
  machine: maintenanceMachine,
  machineVersion: maintenanceMachineVersion,
  eventSchema: maintenanceEventSchema,
  internalEventTypes: ['window_start', 'window_end'],
  stateSchema: maintenanceStateSchema,
  toState: (snapshot) => {
    const status = snapshot.value;
    if (status === 'absent' || status === 'deleted') return null;
    return { ...snapshot.context, status };
  },
  timers: (snapshot): DurableTimer[] => {
    const { currentWindow, nextWindow: next } = snapshot.context;
    if (snapshot.value === 'active' && currentWindow !== null) {
      return [{ name: 'window', dueAt: currentWindow.endsAt, event: { type: 'window_end', dueAt: currentWindow.endsAt } }];
    }
    if (snapshot.value === 'scheduled' && next !== null) {
      return [{ name: 'window', dueAt: next.startsAt, event: { type: 'window_start', dueAt: next.startsAt } }];
    }
    return [];
  },
});
