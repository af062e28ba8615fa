import { assign, setup } from 'xstate';
import { z } from 'zod';
import { firedTriggerSchema, type FiredTrigger } from './automation-scope.machine.ts';
import { defineEntity, type DurableTimer, type Timed } from './entity-definition.ts';

/**
 * One run of an automation. The run's program is the definition it started with (pinned: a
 * later save does not change a running run). The run executor (automations/engine) evaluates
 * the next step against fresh state, performs its effect and reports the outcome as `advance`;
 * this machine records it — the cursor, the scope (variables, artifacts) and the step's trace —
 * so every completed step is committed before the next one starts, and a run resumes from its
 * last committed step after a crash, on any node.
 *
 * `advance` carries the sequence number of the step it completes: a duplicate or stale report
 * (an executor retried after a crash, a second node) does not match and changes nothing.
 * `delay` waits on a durable timer (`wake`); `cancel` ends the run for good, whatever arrives
 * later (a cancelled run never resumes).
 */
export const automationRunMachineVersion = 1;

export const runStatusSchema = z.enum(['running', 'waiting', 'succeeded', 'failed', 'stopped', 'skipped', 'cancelled']);
export type RunStatus = z.infer<typeof runStatusSchema>;
const finalStatuses = ['succeeded', 'failed', 'stopped', 'skipped', 'cancelled'] as const;
export const isFinalRunStatus = (status: string) => (finalStatuses as readonly string[]).includes(status);

/** One executed step, as shown by `vigil runs show`. */
export const stepTraceSchema = z.object({
  path: z.string(),
  kind: z.string(),
  alias: z.string().optional(),
  status: z.enum(['succeeded', 'failed', 'skipped', 'stopped', 'waiting']),
  attempts: z.number().int().nonnegative(),
  startedAt: z.number(),
  endedAt: z.number(),
  output: z.unknown().optional(),
  error: z.string().optional(),
});
export type StepTrace = z.infer<typeof stepTraceSchema>;

export const conditionTraceSchema = z.object({ path: z.string(), condition: z.string(), result: z.boolean(), error: z.string().optional() });

const jsonObject = z.record(z.string(), z.unknown());

export const automationRunEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('start'),
    automationId: z.string(),
    revision: z.number().int().positive(),
    scopeId: z.string(),
    /** The automation definition this run executes (as stored by the `automation` entity). */
    definition: jsonObject,
    trigger: firedTriggerSchema,
    /** Artifacts left by earlier runs of the scope (by type); this run's own replace them. */
    artifacts: jsonObject.default({}),
  }),
  z.object({
    type: z.literal('advance'),
    /** The run's `seq` this step was computed from; any other value is a stale report. */
    seq: z.number().int().nonnegative(),
    /** Where the program continues (opaque to the machine; owned by the executor). */
    cursor: z.unknown(),
    variables: jsonObject.optional(),
    artifacts: jsonObject.optional(),
    steps: z.array(stepTraceSchema).max(50).default([]),
    conditions: z.array(conditionTraceSchema).max(200).optional(),
    next: z.discriminatedUnion('status', [
      z.object({ status: z.literal('running') }),
      z.object({ status: z.literal('waiting'), wakeAt: z.number().int().nonnegative() }),
      z.object({ status: z.enum(['succeeded', 'failed', 'stopped', 'skipped']), reason: z.string().max(2_000).optional() }),
    ]),
  }),
  z.object({ type: z.literal('cancel'), reason: z.string().max(2_000).default('cancelled') }),
  z.object({ type: z.literal('wake'), dueAt: z.number().int().nonnegative() }),
]);
export type AutomationRunEvent = Timed<z.output<typeof automationRunEventSchema>>;

export const automationRunStateSchema = z.object({
  runId: z.string(),
  automationId: z.string(),
  revision: z.number().int().nonnegative(),
  scopeId: z.string(),
  status: runStatusSchema,
  trigger: firedTriggerSchema.nullable(),
  definition: jsonObject,
  seq: z.number().int().nonnegative(),
  cursor: z.unknown(),
  variables: jsonObject,
  artifacts: jsonObject,
  wakeAt: z.number().nullable(),
  conditions: z.array(conditionTraceSchema),
  steps: z.array(stepTraceSchema),
  reason: z.string().nullable(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
});
export type AutomationRunState = z.infer<typeof automationRunStateSchema>;

type Context = AutomationRunState;
type AdvanceEvent = Extract<AutomationRunEvent, { type: 'advance' }>;

/** Step traces kept per run: a long `repeat` keeps its newest ones. */
const MAX_TRACED_STEPS = 500;

export const automationRunMachine = setup({
  types: {
    context: {} as Context,
    events: {} as AutomationRunEvent,
    input: {} as { id: string },
  },
  guards: {
    isCurrentStep: ({ context, event }) => event.type === 'advance' && event.seq === context.seq,
    continues: ({ context, event }) => event.type === 'advance' && event.seq === context.seq && event.next.status === 'running',
    waits: ({ context, event }) => event.type === 'advance' && event.seq === context.seq && event.next.status === 'waiting',
    isCurrentWake: ({ context, event }) => event.type === 'wake' && event.dueAt === context.wakeAt && event.at >= event.dueAt,
  },
  actions: {
    start: assign(({ event }) => {
      if (event.type !== 'start') return {};
      return {
        automationId: event.automationId,
        revision: event.revision,
        scopeId: event.scopeId,
        definition: event.definition,
        trigger: event.trigger as FiredTrigger,
        artifacts: event.artifacts,
        status: 'running' as const,
        startedAt: event.at,
      };
    }),
    record: assign(({ context, event }) => {
      if (event.type !== 'advance') return {};
      const { next } = event as AdvanceEvent;
      return {
        seq: context.seq + 1,
        cursor: event.cursor,
        variables: event.variables ?? context.variables,
        artifacts: event.artifacts ?? context.artifacts,
        conditions: event.conditions ?? context.conditions,
        steps: [...context.steps, ...event.steps].slice(-MAX_TRACED_STEPS),
        status: next.status,
        wakeAt: next.status === 'waiting' ? next.wakeAt : null,
        reason: 'reason' in next ? (next.reason ?? null) : context.reason,
        endedAt: next.status === 'running' || next.status === 'waiting' ? null : event.at,
      };
    }),
    wake: assign({ status: 'running' as const, wakeAt: null }),
    cancel: assign(({ event }) => ({ status: 'cancelled' as const, wakeAt: null, reason: event.type === 'cancel' ? event.reason : 'cancelled', endedAt: event.at })),
  },
}).createMachine({
  id: 'automation_run',
  context: ({ input }) => ({
    runId: input.id,
    automationId: '',
    revision: 0,
    scopeId: '',
    status: 'running',
    trigger: null,
    definition: {},
    seq: 0,
    cursor: null,
    variables: {},
    artifacts: {},
    wakeAt: null,
    conditions: [],
    steps: [],
    reason: null,
    startedAt: 0,
    endedAt: null,
  }),
  initial: 'absent',
  states: {
    absent: {
      on: {
        start: { target: 'running', actions: 'start' },
        // Cancelled before it started (a restart overtook its start): it never starts.
        cancel: { target: 'ended', actions: 'cancel' },
      },
    },
    running: {
      on: {
        advance: [
          { guard: 'continues', target: 'running', actions: 'record' },
          { guard: 'waits', target: 'waiting', actions: 'record' },
          { guard: 'isCurrentStep', target: 'ended', actions: 'record' },
        ],
        cancel: { target: 'ended', actions: 'cancel' },
      },
    },
    waiting: {
      on: {
        wake: { guard: 'isCurrentWake', target: 'running', actions: 'wake' },
        cancel: { target: 'ended', actions: 'cancel' },
      },
    },
    ended: { type: 'final' },
  },
});

export const automationRunDefinition = defineEntity({
  kind: 'automation_run',
  machine: automationRunMachine,
  machineVersion: automationRunMachineVersion,
  eventSchema: automationRunEventSchema,
  internalEventTypes: ['wake'],
  stateSchema: automationRunStateSchema,
  toState: (snapshot) => (snapshot.value === 'absent' ? null : { ...snapshot.context }),
  timers: (snapshot): DurableTimer[] => {
    const dueAt = snapshot.context.wakeAt;
    if (snapshot.value !== 'waiting' || dueAt === null) return [];
    return [{ name: 'wake', dueAt, event: { type: 'wake', dueAt } }];
  },
});
