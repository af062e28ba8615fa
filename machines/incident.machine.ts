import { assign, setup } from 'xstate';
import { z } from 'zod';
import { defineEntity, type Timed } from './entity-definition.ts';
import { idListSchema, type EntityInput } from './shared-schemas.ts';

/**
 * An incident. XState states mirror `status` (investigating, identified, fixing, monitoring,
 * resolved) between `absent` (not created) and `deleted` (final tombstone). Every status change
 * is recorded as an entry of `updates`, so the history of an incident is in its own state.
 */
export const incidentMachineVersion = 1;

export const incidentStatusSchema = z.enum(['investigating', 'identified', 'fixing', 'monitoring', 'resolved']);
export type IncidentStatus = z.infer<typeof incidentStatusSchema>;
/** Every status but `resolved`: what an incident can be created or reopened in. */
export const openIncidentStatusSchema = incidentStatusSchema.exclude(['resolved']);
export const incidentSeveritySchema = z.enum(['minor', 'major', 'critical']);
export type IncidentSeverity = z.infer<typeof incidentSeveritySchema>;

export const incidentStatusChangeSchema = z.object({ from: incidentStatusSchema, to: incidentStatusSchema });
export type IncidentStatusChange = z.infer<typeof incidentStatusChangeSchema>;

/** One entry of the incident's timeline; `statusChange` only when the status actually changed. */
export const incidentUpdateSchema = z.object({
  message: z.string(),
  statusChange: incidentStatusChangeSchema.optional(),
  at: z.number(),
});
export type IncidentUpdate = z.infer<typeof incidentUpdateSchema>;

const titleSchema = z.string().min(1).max(200);
const textSchema = z.string().max(10_000);

export const incidentEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('create'),
    title: titleSchema,
    description: textSchema.default(''),
    severity: incidentSeveritySchema,
    systemIds: idListSchema,
    status: openIncidentStatusSchema.default('investigating'),
  }),
  z.object({
    type: z.literal('update'),
    title: titleSchema.optional(),
    description: textSchema.optional(),
    severity: incidentSeveritySchema.optional(),
    systemIds: idListSchema.optional(),
  }),
  z.object({ type: z.literal('post_update'), message: textSchema.min(1), status: incidentStatusSchema.optional() }),
  z.object({ type: z.literal('resolve'), message: textSchema.default('') }),
  z.object({ type: z.literal('reopen'), message: textSchema.default(''), status: openIncidentStatusSchema.default('investigating') }),
  z.object({ type: z.literal('delete') }),
]);
export type IncidentEvent = Timed<z.output<typeof incidentEventSchema>>;

export const incidentStateSchema = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  status: incidentStatusSchema,
  severity: incidentSeveritySchema,
  systemIds: z.array(z.string()),
  updates: z.array(incidentUpdateSchema),
  createdAt: z.number(),
  /** When the incident last became resolved; null while it is open. */
  resolvedAt: z.number().nullable(),
});
export type IncidentState = z.infer<typeof incidentStateSchema>;

export interface IncidentContext extends IncidentState {}

/** The status an event leads to, or undefined for events that never change it. */
function targetStatus(context: IncidentContext, event: IncidentEvent): IncidentStatus | undefined {
  switch (event.type) {
    case 'create':
    case 'reopen':
      return event.status;
    case 'post_update':
      return event.status ?? context.status;
    case 'resolve':
      return 'resolved';
    default:
      return undefined;
  }
}

function withStatus(context: IncidentContext, to: IncidentStatus, message: string, at: number): IncidentContext {
  const from = context.status;
  const update: IncidentUpdate = from === to ? { message, at } : { message, statusChange: { from, to }, at };
  // resolvedAt marks when it became resolved: a note posted on a resolved incident keeps it.
  const resolvedAt = to !== 'resolved' ? null : from === 'resolved' ? context.resolvedAt : at;
  return { ...context, status: to, resolvedAt, updates: [...context.updates, update] };
}

/** Pure reducer: the context after an accepted event (the machine decides which are accepted). */
function apply(context: IncidentContext, event: IncidentEvent): IncidentContext {
  switch (event.type) {
    case 'create':
      return {
        ...context,
        title: event.title,
        description: event.description,
        severity: event.severity,
        systemIds: event.systemIds,
        status: event.status,
        createdAt: event.at,
      };
    case 'update':
      return {
        ...context,
        title: event.title ?? context.title,
        description: event.description ?? context.description,
        severity: event.severity ?? context.severity,
        systemIds: event.systemIds ?? context.systemIds,
      };
    case 'post_update':
      return withStatus(context, event.status ?? context.status, event.message, event.at);
    case 'resolve':
      return withStatus(context, 'resolved', event.message, event.at);
    case 'reopen':
      return withStatus(context, event.status, event.message, event.at);
    case 'delete':
      return context;
  }
}

/** One guarded transition per allowed target status: XState targets are static, the status is data. */
function toStatus(statuses: readonly IncidentStatus[]) {
  return statuses.map((status) => ({
    guard: { type: 'leadsTo' as const, params: { status } },
    target: status,
    actions: 'apply' as const,
  }));
}

const openStatuses = openIncidentStatusSchema.options;
const allStatuses = incidentStatusSchema.options;

const openState = {
  on: {
    update: { actions: 'apply' as const },
    post_update: toStatus(allStatuses),
    resolve: { target: 'resolved', actions: 'apply' as const },
    delete: { target: 'deleted' },
  },
};

export const incidentMachine = setup({
  types: {} as { context: IncidentContext; events: IncidentEvent; input: EntityInput },
  guards: {
    leadsTo: ({ context, event }, params: { status: IncidentStatus }) => targetStatus(context, event) === params.status,
  },
  actions: {
    apply: assign(({ context, event }) => apply(context, event)),
  },
}).createMachine({
  id: 'incident',
  context: ({ input }) => ({
    id: input.id,
    title: '',
    description: '',
    status: 'investigating',
    severity: 'minor',
    systemIds: [],
    updates: [],
    createdAt: 0,
    resolvedAt: null,
  }),
  initial: 'absent',
  states: {
    absent: { on: { create: toStatus(openStatuses) } },
    investigating: openState,
    identified: openState,
    fixing: openState,
    monitoring: openState,
    resolved: {
      on: {
        update: { actions: 'apply' },
        // Notes only: leaving `resolved` is `reopen`'s job, so a post_update to an open status is refused.
        post_update: toStatus(['resolved']),
        reopen: toStatus(openStatuses),
        delete: { target: 'deleted' },
      },
    },
    deleted: { type: 'final' },
  },
});

/** Incident entities: reactive state from `create` until `delete` (then null for good); no timers. */
export const incidentDefinition = defineEntity({
  kind: 'incident',
  machine: incidentMachine,
  machineVersion: incidentMachineVersion,
  eventSchema: incidentEventSchema,
  internalEventTypes: [],
  stateSchema: incidentStateSchema,
  toState: (snapshot) =>
    snapshot.matches('absent') || snapshot.matches('deleted') ? null : { ...snapshot.context },
  timers: () => [],
});
