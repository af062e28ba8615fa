import { assign, setup } from 'xstate';
import { z } from 'zod';
import { firedTriggerSchema, type FiredTrigger } from './automation-scope.machine.ts';
import { defineEntity, type DurableTimer, type Timed } from './entity-definition.ts';

/**
 * A trigger's `for:` for one source entity: "fire once the state this event announced has lasted
 * this long". One entity per automation, trigger and source entity (e.g. per system), so every
 * event about one episode is ordered here and the deadline is a durable timer that survives the
 * node holding it.
 *
 *   idle ──arm──▶ armed ──due (timer, never early)──▶ elapsed ──settle──▶ idle
 *                   │ disarm (the entity left the state)      fired | lapsed
 *                   ▼
 *                  idle
 *
 * An *episode* is one continuous stay in the announced state; episodes are numbered, and every
 * event that concerns one names it, so a late `disarm` or `settle` cannot touch the next episode.
 * A re-fire during an episode keeps its deadline (the engine does not send it); `arm` while armed
 * or elapsed starts a new episode (the engine saw the entity leave and come back); an `arm` from
 * a change not newer than the current episode's is stale and refused. At `elapsed` the engine
 * confirms the state held throughout, fires the automation once and settles the episode.
 */
export const automationDwellMachineVersion = 1;

export const dwellSourceSchema = z.object({ kind: z.string(), id: z.string(), version: z.number().int().nonnegative() });

export const automationDwellEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('arm'),
    automationId: z.string().min(1).max(64),
    triggerId: z.string().min(1).max(64),
    /** The `for:` duration. The deadline is the trigger event's time plus this. */
    forMs: z.number().int().positive(),
    /** The event that started the episode: the run this episode fires sees it as `trigger`. */
    trigger: firedTriggerSchema,
    /**
     * The episode the sender saw (0: none yet). Refused when another episode started meanwhile,
     * so two nodes routing two events of one entity at once cannot both start an episode: the
     * second looks again and finds the first.
     */
    replaces: z.number().int().nonnegative(),
  }),
  z.object({ type: z.literal('disarm'), episode: z.number().int().positive(), reason: z.string().max(2_000) }),
  z.object({
    type: z.literal('settle'),
    episode: z.number().int().positive(),
    outcome: z.enum(['fired', 'lapsed']),
    reason: z.string().max(2_000).optional(),
  }),
  /** Internal (durable timer): the episode's deadline came. */
  z.object({ type: z.literal('due'), dueAt: z.number().int().nonnegative() }),
]);
export type AutomationDwellEvent = Timed<z.output<typeof automationDwellEventSchema>>;

export const dwellOutcomeSchema = z.enum(['fired', 'lapsed', 'disarmed']);

export const automationDwellStateSchema = z.object({
  dwellId: z.string(),
  status: z.enum(['idle', 'armed', 'elapsed']),
  automationId: z.string(),
  triggerId: z.string(),
  /** Number of the current (or last) episode; 0 before the first. */
  episode: z.number().int().nonnegative(),
  forMs: z.number().int().nonnegative(),
  /** The event that started the current episode (its `source` is the entity watched). */
  trigger: firedTriggerSchema.nullable(),
  /** When the current episode's state has lasted `forMs`: the durable timer's due time. */
  deadline: z.number().nullable(),
  /** How the previous episode ended. */
  last: z.object({ episode: z.number().int().positive(), outcome: dwellOutcomeSchema, reason: z.string().nullable(), at: z.number() }).nullable(),
});
export type AutomationDwellState = z.infer<typeof automationDwellStateSchema>;

type Context = Omit<AutomationDwellState, 'status'>;
type ArmEvent = Extract<AutomationDwellEvent, { type: 'arm' }>;

const ofEpisode = ({ context, event }: { context: Context; event: AutomationDwellEvent }) =>
  (event.type === 'disarm' || event.type === 'settle') && event.episode === context.episode;

export const automationDwellMachine = setup({
  types: {
    context: {} as Context,
    events: {} as AutomationDwellEvent,
    input: {} as { id: string },
  },
  guards: {
    ofEpisode,
    /**
     * An arm decided on the current episode, from a change of the entity newer than that
     * episode's own (an older one is a redelivery or a late message).
     */
    isNewerSource: ({ context, event }) =>
      event.type === 'arm' && event.replaces === context.episode && (context.trigger === null || event.trigger.source.version > context.trigger.source.version),
    isDeadline: ({ context, event }) => event.type === 'due' && event.dueAt === context.deadline && event.at >= event.dueAt,
  },
  actions: {
    arm: assign(({ context, event }) => {
      const { automationId, triggerId, forMs, trigger } = event as ArmEvent;
      return { automationId, triggerId, forMs, trigger: trigger as FiredTrigger, episode: context.episode + 1, deadline: trigger.at + forMs };
    }),
    /** The episode that was armed ends without firing (a new `arm` replaced it, or a disarm). */
    closeArmed: assign(({ context, event }) => ({
      last: {
        episode: context.episode,
        outcome: 'disarmed' as const,
        reason: event.type === 'disarm' ? event.reason : 'the entity left the state and entered it again',
        at: event.at,
      },
    })),
    settle: assign(({ context, event }) => {
      if (event.type !== 'settle') return {};
      return { deadline: null, last: { episode: context.episode, outcome: event.outcome, reason: event.reason ?? null, at: event.at } };
    }),
    clearDeadline: assign({ deadline: null }),
  },
}).createMachine({
  id: 'automation_dwell',
  context: ({ input }) => ({ dwellId: input.id, automationId: '', triggerId: '', episode: 0, forMs: 0, trigger: null, deadline: null, last: null }),
  initial: 'idle',
  states: {
    idle: {
      on: { arm: { guard: 'isNewerSource', target: 'armed', actions: 'arm' } },
    },
    armed: {
      on: {
        arm: { guard: 'isNewerSource', target: 'armed', reenter: true, actions: ['closeArmed', 'arm'] },
        disarm: { guard: 'ofEpisode', target: 'idle', actions: ['closeArmed', 'clearDeadline'] },
        due: { guard: 'isDeadline', target: 'elapsed' },
      },
    },
    elapsed: {
      on: {
        settle: { guard: 'ofEpisode', target: 'idle', actions: 'settle' },
        // The engine saw the entity leave and enter the state again: the elapsed episode cannot
        // fire any more (its settle is refused) and a new one starts.
        arm: { guard: 'isNewerSource', target: 'armed', actions: ['closeArmed', 'arm'] },
      },
    },
  },
});

export const automationDwellDefinition = defineEntity({
  kind: 'automation_dwell',
  machine: automationDwellMachine,
  machineVersion: automationDwellMachineVersion,
  eventSchema: automationDwellEventSchema,
  internalEventTypes: ['due'],
  stateSchema: automationDwellStateSchema,
  toState: (snapshot) => (snapshot.context.episode === 0 ? null : { ...snapshot.context, status: snapshot.value as AutomationDwellState['status'] }),
  timers: (snapshot): DurableTimer[] => {
    const dueAt = snapshot.context.deadline;
    if (snapshot.value !== 'armed' || dueAt === null) return [];
    return [{ name: 'deadline', dueAt, event: { type: 'due', dueAt } }];
  },
});
