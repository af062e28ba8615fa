import { assign, setup } from 'xstate';
import { z } from 'zod';
import { automationDefinitionSchema, type AutomationDefinition } from '../automations/definition/automation-definition.ts';
import { unsupportedFeatures } from '../automations/definition/supported-features.ts';
import { defineEntity, type Timed } from './entity-definition.ts';

/**
 * An automation definition, stored as an entity: every save is a transition, so the definition's
 * history is versioned in `entity_transitions` and every node learns of a change from
 * `vigil.entity.automation.<id>`. `revision` counts changes of the definition itself (enabling
 * and disabling do not change it); a run records the revision it executes.
 *
 * The event carries the whole definition, validated by its zod schema (its structure, and only
 * features this engine supports). Checks that need the catalogs (known triggers and actions,
 * action configs) run in the CLI before saving and again when a run executes a step.
 */
export const automationMachineVersion = 1;

/** The document, minus what this version's engine cannot run (refused, not saved and ignored). */
const runnableDefinitionSchema = automationDefinitionSchema.superRefine((definition, context) => {
  for (const feature of unsupportedFeatures(definition)) context.addIssue({ code: 'custom', path: feature.path, message: feature.message });
});

export const automationEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('save'), definition: runnableDefinitionSchema }),
  z.object({ type: z.literal('enable') }),
  z.object({ type: z.literal('disable') }),
  z.object({ type: z.literal('delete') }),
]);
export type AutomationEvent = Timed<z.output<typeof automationEventSchema>>;

export const automationStateSchema = z.object({
  id: z.string(),
  revision: z.number().int().nonnegative(),
  enabled: z.boolean(),
  definition: z.record(z.string(), z.unknown()),
  savedAt: z.number(),
});
export type AutomationState = Omit<z.infer<typeof automationStateSchema>, 'definition'> & { definition: AutomationDefinition };

interface AutomationContext {
  id: string;
  revision: number;
  definition: AutomationDefinition | null;
  savedAt: number;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export const automationMachine = setup({
  types: {
    context: {} as AutomationContext,
    events: {} as AutomationEvent,
    input: {} as { id: string },
  },
  guards: {
    /** The document's own `id` must be the entity id. */
    isOwnId: ({ context, event }) => event.type === 'save' && event.definition.id === context.id,
    savesEnabled: ({ context, event }) => event.type === 'save' && event.definition.id === context.id && event.definition.enabled,
    /** A save that changes the definition (saving the same document again is a no-op). */
    changes: ({ context, event }) => event.type === 'save' && event.definition.id === context.id && !sameJson(context.definition, event.definition),
    changesAndDisables: ({ context, event }) =>
      event.type === 'save' && event.definition.id === context.id && !event.definition.enabled && !sameJson(context.definition, event.definition),
    changesAndEnables: ({ context, event }) =>
      event.type === 'save' && event.definition.id === context.id && event.definition.enabled && !sameJson(context.definition, event.definition),
  },
  actions: {
    store: assign(({ context, event }) =>
      event.type === 'save' ? { definition: event.definition, revision: context.revision + 1, savedAt: event.at } : {},
    ),
  },
}).createMachine({
  id: 'automation',
  context: ({ input }) => ({ id: input.id, revision: 0, definition: null, savedAt: 0 }),
  initial: 'absent',
  states: {
    absent: {
      on: {
        save: [
          { guard: 'savesEnabled', target: 'enabled', actions: 'store' },
          { guard: 'isOwnId', target: 'disabled', actions: 'store' },
        ],
      },
    },
    enabled: {
      on: {
        save: [
          { guard: 'changesAndDisables', target: 'disabled', actions: 'store' },
          { guard: 'changes', actions: 'store' },
          // The same document again: accepted, nothing changes (apply is idempotent). A self
          // target, because XState treats an empty transition as forbidden.
          { guard: 'isOwnId', target: 'enabled' },
        ],
        disable: { target: 'disabled' },
        delete: { target: 'deleted' },
      },
    },
    disabled: {
      on: {
        save: [
          { guard: 'changesAndEnables', target: 'enabled', actions: 'store' },
          { guard: 'changes', actions: 'store' },
          { guard: 'isOwnId', target: 'disabled' },
        ],
        enable: { target: 'enabled' },
        delete: { target: 'deleted' },
      },
    },
    // A deleted automation may be saved again: it continues its revision count.
    deleted: {
      on: {
        save: [
          { guard: 'savesEnabled', target: 'enabled', actions: 'store' },
          { guard: 'isOwnId', target: 'disabled', actions: 'store' },
        ],
      },
    },
  },
});

export const automationDefinition = defineEntity({
  kind: 'automation',
  machine: automationMachine,
  machineVersion: automationMachineVersion,
  eventSchema: automationEventSchema,
  internalEventTypes: [],
  stateSchema: automationStateSchema,
  toState: (snapshot) => {
    const { value, context } = snapshot;
    if (value === 'absent' || value === 'deleted' || context.definition === null) return null;
    return { id: context.id, revision: context.revision, enabled: value === 'enabled', definition: context.definition, savedAt: context.savedAt };
  },
  timers: () => [],
});
