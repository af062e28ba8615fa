import { assign, setup } from 'xstate';
import { z } from 'zod';
import { defineEntity, type Timed } from './entity-definition.ts';

/**
 * Where an automation's `mode` is decided: one entity per automation (`scope: automation`) or
 * per automation and context value (`scope: context`, e.g. per system). Every fire of the
 * automation in this scope passes through it, and the entity runtime applies its events one at
 * a time and fences every commit by version, so "is a run active?" is answered atomically
 * across the cluster: two nodes firing at the same moment are ordered here, and the second sees
 * the first's run.
 *
 * The entity only decides and records; starting and cancelling the runs it lists is done by
 * the engine from its changes (a run in `active` that the previous state did not hold is
 * started, one that left `active` without finishing is cancelled).
 */
export const automationScopeMachineVersion = 1;

export const automationModeSchema = z.enum(['single', 'restart', 'queued', 'parallel']);
export type AutomationMode = z.infer<typeof automationModeSchema>;

/** The trigger event that fired a run, as the run sees it (`trigger.*` in expressions). */
export const firedTriggerSchema = z.object({
  /** The automation's trigger id (its `triggers[].id`). */
  id: z.string(),
  /** The qualified trigger event id, e.g. `healthcheck.system.degraded`. */
  event: z.string(),
  payload: z.record(z.string(), z.unknown()),
  contextKey: z.string(),
  contextValue: z.string(),
  /** The entity change that fired it. */
  source: z.object({ kind: z.string(), id: z.string(), version: z.number().int().nonnegative() }),
  at: z.number(),
});
export type FiredTrigger = z.infer<typeof firedTriggerSchema>;

const runRefSchema = z.object({ runId: z.string(), trigger: firedTriggerSchema });
export type RunRef = z.infer<typeof runRefSchema>;

export const automationScopeEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('fire'),
    automationId: z.string().min(1).max(64),
    contextValue: z.string().nullable(),
    mode: automationModeSchema,
    max: z.number().int().min(1).max(1000),
    trigger: firedTriggerSchema,
  }),
  /**
   * A run of this scope ended (any outcome), with the artifacts it holds: later runs of the scope
   * start with them (e.g. the incident an earlier run opened). Unknown or already removed run
   * ids change nothing.
   */
  z.object({ type: z.literal('run_finished'), runId: z.string(), artifacts: z.record(z.string(), z.unknown()).default({}) }),
]);
export type AutomationScopeEvent = Timed<z.output<typeof automationScopeEventSchema>>;

export const scopeDecisionSchema = z.enum(['started', 'queued', 'dropped', 'restarted']);

export const automationScopeStateSchema = z.object({
  scopeId: z.string(),
  automationId: z.string(),
  contextValue: z.string().nullable(),
  /** Runs started and not finished, oldest first. */
  active: z.array(runRefSchema),
  /** `queued` mode: runs waiting for the active one, first in first out. */
  queue: z.array(runRefSchema),
  /** Sequence number of the next run of this scope (part of its run id). */
  nextRun: z.number().int().positive(),
  /** Fires dropped by the mode (single busy, queue or parallel limit reached). */
  dropped: z.number().int().nonnegative(),
  lastDecision: z.object({ decision: scopeDecisionSchema, runId: z.string(), at: z.number() }).nullable(),
  /** The newest artifact of each type left by a finished run; a new run starts with these. */
  artifacts: z.record(z.string(), z.unknown()),
});
export type AutomationScopeState = z.infer<typeof automationScopeStateSchema>;

type Context = AutomationScopeState;
type FireEvent = Extract<AutomationScopeEvent, { type: 'fire' }>;

const runIdOf = (context: Context) => `${context.scopeId}:r${context.nextRun}`;

/** What `mode` decides for a fire, given the runs active and queued now. */
function decide(context: Context, event: FireEvent): z.infer<typeof scopeDecisionSchema> {
  const busy = context.active.length > 0;
  switch (event.mode) {
    case 'single':
      return busy ? 'dropped' : 'started';
    case 'restart':
      return busy ? 'restarted' : 'started';
    case 'queued':
      // `max` counts the running run and the waiting ones together (as Home Assistant does).
      if (!busy) return 'started';
      return context.active.length + context.queue.length < event.max ? 'queued' : 'dropped';
    case 'parallel':
      return context.active.length < event.max ? 'started' : 'dropped';
  }
}

export const automationScopeMachine = setup({
  types: {
    context: {} as Context,
    events: {} as AutomationScopeEvent,
    input: {} as { id: string },
  },
  actions: {
    fire: assign(({ context, event }) => {
      if (event.type !== 'fire') return {};
      const decision = decide(context, event);
      const base = { automationId: event.automationId, contextValue: event.contextValue };
      if (decision === 'dropped') {
        return { ...base, dropped: context.dropped + 1, lastDecision: { decision, runId: runIdOf(context), at: event.at } };
      }
      const run: RunRef = { runId: runIdOf(context), trigger: event.trigger };
      const lastDecision = { decision, runId: run.runId, at: event.at };
      const nextRun = context.nextRun + 1;
      if (decision === 'queued') return { ...base, queue: [...context.queue, run], nextRun, lastDecision };
      // restart: the active runs leave `active`; the engine cancels them.
      const active = decision === 'restarted' ? [run] : [...context.active, run];
      return { ...base, active, nextRun, lastDecision };
    }),
    finish: assign(({ context, event }) => {
      if (event.type !== 'run_finished') return {};
      const active = context.active.filter((run) => run.runId !== event.runId);
      const artifacts = { ...context.artifacts, ...event.artifacts };
      // The queue only advances when nothing runs (queued mode runs one at a time).
      if (active.length === 0 && context.queue.length > 0) return { active: [context.queue[0]!], queue: context.queue.slice(1), artifacts };
      return { active, artifacts };
    }),
  },
  guards: {
    isActive: ({ context, event }) => event.type === 'run_finished' && context.active.some((run) => run.runId === event.runId),
  },
}).createMachine({
  id: 'automation_scope',
  context: ({ input }) => ({ scopeId: input.id, automationId: '', contextValue: null, active: [], queue: [], nextRun: 1, dropped: 0, lastDecision: null, artifacts: {} }),
  initial: 'open',
  states: {
    open: {
      on: {
        fire: { actions: 'fire' },
        run_finished: { guard: 'isActive', actions: 'finish' },
      },
    },
  },
});

export const automationScopeDefinition = defineEntity({
  kind: 'automation_scope',
  machine: automationScopeMachine,
  machineVersion: automationScopeMachineVersion,
  eventSchema: automationScopeEventSchema,
  internalEventTypes: [],
  stateSchema: automationScopeStateSchema,
  toState: (snapshot) => (snapshot.context.automationId === '' ? null : { ...snapshot.context }),
  timers: () => [],
});
