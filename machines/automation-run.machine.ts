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
 * `delay` waits on a durable timer (`wake`). `wait_until` and `wait_for_trigger` wait for
 * `resume` (sent by the engine when the condition holds or the trigger event arrives; it names
 * the wait's `seq`, so a late resume cannot end a later wait), with an optional timeout on the
 * same durable timer. `cancel` ends the run for good, whatever arrives later (a cancelled run
 * never resumes).
 */
export const automationRunMachineVersion = 2;
// v2 added `wait` (and `resume`). A v1 snapshot has no `wait`: the guards read it loosely
// (`!= null`), so stored v1 runs go on as before.

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

/**
 * What a waiting run waits for besides its timer. `keys` index the run for the engine:
 * `entity:<kind>:<id>` (a change of that entity may satisfy a wait_until), `kind:<kind>` (a change
 * of any entity of that kind may: maintenance windows), `trigger:<event>` (wait_for_trigger).
 */
export const runWaitSchema = z.object({
  kind: z.enum(['until', 'trigger']),
  path: z.string(),
  keys: z.array(z.string().max(300)).max(200),
  /** When the wait began. */
  since: z.number().int().nonnegative(),
  timeoutAt: z.number().int().nonnegative().nullable(),
  continueOnTimeout: z.boolean(),
});
export type RunWait = z.infer<typeof runWaitSchema>;

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
      z.object({ status: z.literal('waiting'), wakeAt: z.number().int().nonnegative().nullable(), wait: runWaitSchema.optional() }),
      z.object({ status: z.enum(['succeeded', 'failed', 'stopped', 'skipped']), reason: z.string().max(2_000).optional() }),
    ]),
  }),
  z.object({ type: z.literal('cancel'), reason: z.string().max(2_000).default('cancelled') }),
  /** A wait_until's condition holds, or the event a wait_for_trigger waits for arrived (`trigger`). */
  z.object({ type: z.literal('resume'), seq: z.number().int().nonnegative(), trigger: firedTriggerSchema.optional() }),
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
  /** The wait_until / wait_for_trigger the run is waiting on (null otherwise). */
  wait: runWaitSchema.nullable().default(null),
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

/** The traces with one more: how the wait the run was in ended. */
function withWaitTrace(context: Context, status: StepTrace['status'], at: number, output: Record<string, unknown>): StepTrace[] {
  const wait = context.wait!;
  const trace: StepTrace = { path: wait.path, kind: wait.kind === 'until' ? 'wait_until' : 'wait_for_trigger', status, attempts: 1, startedAt: wait.since, endedAt: at, output };
  return [...context.steps, trace].slice(-MAX_TRACED_STEPS);
}

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
    /** The timeout of a wait that stops the run when it times out. */
    timesOutAndStops: ({ context, event }) =>
      event.type === 'wake' && event.dueAt === context.wakeAt && event.at >= event.dueAt && context.wait != null && !context.wait.continueOnTimeout,
    isCurrentWait: ({ context, event }) => event.type === 'resume' && context.wait != null && event.seq === context.seq,
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
        wait: next.status === 'waiting' ? (next.wait ?? null) : null,
        reason: 'reason' in next ? (next.reason ?? null) : context.reason,
        endedAt: next.status === 'running' || next.status === 'waiting' ? null : event.at,
      };
    }),
    /** The timer came: a delay is over, or a wait timed out (`wait.completed` false for later steps). */
    wake: assign(({ context, event }) => {
      if (!context.wait) return { status: 'running' as const, wakeAt: null };
      return {
        status: 'running' as const,
        wakeAt: null,
        wait: null,
        variables: { ...context.variables, wait: { completed: false, timed_out: true } },
        steps: withWaitTrace(context, 'succeeded', event.at, { completed: false, timed_out: true }),
      };
    }),
    resume: assign(({ context, event }) => {
      if (event.type !== 'resume') return {};
      const result = { completed: true, timed_out: false, ...(event.trigger ? { trigger: event.trigger } : {}) };
      return { status: 'running' as const, wakeAt: null, wait: null, variables: { ...context.variables, wait: result }, steps: withWaitTrace(context, 'succeeded', event.at, result) };
    }),
    timeOut: assign(({ context, event }) => ({
      status: 'stopped' as const,
      wakeAt: null,
      wait: null,
      reason: `timed out at ${context.wait?.path ?? 'a wait'}`,
      endedAt: event.at,
      steps: withWaitTrace(context, 'stopped', event.at, { completed: false, timed_out: true }),
    })),
    cancel: assign(({ event }) => ({ status: 'cancelled' as const, wakeAt: null, wait: null, reason: event.type === 'cancel' ? event.reason : 'cancelled', endedAt: event.at })),
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
    wait: null,
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
        wake: [
          { guard: 'timesOutAndStops', target: 'ended', actions: 'timeOut' },
          { guard: 'isCurrentWake', target: 'running', actions: 'wake' },
        ],
        resume: { guard: 'isCurrentWait', target: 'running', actions: 'resume' },
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
