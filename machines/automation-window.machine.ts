import { assign, setup } from 'xstate';
import { z } from 'zod';
import { defineEntity, type Timed } from './entity-definition.ts';

/**
 * A trigger's `window`: "N events within this long (per partition)". One entity per automation,
 * trigger and partition value (e.g. per system), so the occurrences of one partition are counted
 * in one place, one at a time, whichever node routes them.
 *
 * Each `occur` records one trigger event (by its id: the entity change that fired it) and
 * decides whether this event fires the automation; the decision is part of the committed state,
 * so a router that crashed after recording it reads it back (a redelivered event is answered
 * from its command id) and fires exactly once for it.
 *
 *   refire: every  fire on each event that finds at least `count` events (itself included)
 *                  within `within` before it;
 *   refire: once   fire on the event that reaches `count`, then not again until the window has
 *                  emptied (an event that finds no earlier event within `within`).
 *
 * Only the newest `count` occurrences are kept: enough to know whether `count` fall in the window.
 */
export const automationWindowMachineVersion = 1;

const occurrenceSchema = z.object({ id: z.string().min(1).max(256), at: z.number().int().nonnegative() });

export const automationWindowEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('occur'),
    automationId: z.string().min(1).max(64),
    triggerId: z.string().min(1).max(64),
    partition: z.string().max(512),
    /** The trigger event: `id` identifies it across redeliveries, `at` is when it happened. */
    occurrence: occurrenceSchema,
    count: z.number().int().min(2).max(10_000),
    withinMs: z.number().int().positive(),
    refire: z.enum(['once', 'every']),
  }),
]);
export type AutomationWindowEvent = Timed<z.output<typeof automationWindowEventSchema>>;

export const automationWindowStateSchema = z.object({
  windowId: z.string(),
  automationId: z.string(),
  triggerId: z.string(),
  partition: z.string(),
  /** The newest occurrences (at most `count`), oldest first. */
  occurrences: z.array(occurrenceSchema),
  /** `refire: once`: fired since the window last emptied. */
  latched: z.boolean(),
  /** What the newest occurrence decided. */
  lastDecision: z.object({ occurrenceId: z.string(), inWindow: z.number().int().nonnegative(), fire: z.boolean() }).nullable(),
  /** Times the window fired the automation. */
  fired: z.number().int().nonnegative(),
});
export type AutomationWindowState = z.infer<typeof automationWindowStateSchema>;

type Context = AutomationWindowState;
type OccurEvent = Extract<AutomationWindowEvent, { type: 'occur' }>;

export const automationWindowMachine = setup({
  types: {
    context: {} as Context,
    events: {} as AutomationWindowEvent,
    input: {} as { id: string },
  },
  guards: {
    isNewOccurrence: ({ context, event }) => !context.occurrences.some((occurrence) => occurrence.id === event.occurrence.id),
  },
  actions: {
    count: assign(({ context, event }) => {
      const { automationId, triggerId, partition, occurrence, count, withinMs, refire } = event as OccurEvent;
      // Events arrive in about the order they happened; "within" is measured on their own times.
      const earlier = context.occurrences.filter((seen) => seen.at <= occurrence.at && seen.at > occurrence.at - withinMs);
      const later = context.occurrences.filter((seen) => seen.at > occurrence.at);
      const occurrences = [...earlier, occurrence, ...later].slice(-count);
      const inWindow = earlier.length + 1;
      const latched = refire === 'once' && earlier.length > 0 && context.latched;
      const fire = inWindow >= count && (refire === 'every' || !latched);
      return {
        automationId,
        triggerId,
        partition,
        occurrences,
        latched: latched || (refire === 'once' && fire),
        lastDecision: { occurrenceId: occurrence.id, inWindow: Math.min(inWindow, count), fire },
        fired: context.fired + (fire ? 1 : 0),
      };
    }),
  },
}).createMachine({
  id: 'automation_window',
  context: ({ input }) => ({ windowId: input.id, automationId: '', triggerId: '', partition: '', occurrences: [], latched: false, lastDecision: null, fired: 0 }),
  initial: 'counting',
  states: {
    counting: {
      on: { occur: { guard: 'isNewOccurrence', actions: 'count' } },
    },
  },
});

export const automationWindowDefinition = defineEntity({
  kind: 'automation_window',
  machine: automationWindowMachine,
  machineVersion: automationWindowMachineVersion,
  eventSchema: automationWindowEventSchema,
  internalEventTypes: [],
  stateSchema: automationWindowStateSchema,
  toState: (snapshot) => (snapshot.context.automationId === '' ? null : { ...snapshot.context }),
  timers: () => [],
});
