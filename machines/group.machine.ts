import { assign, setup } from 'xstate';
import { z } from 'zod';
import { defineCatalogEntity } from './catalog-entity.ts';
import type { Timed } from './entity-definition.ts';
import { metadataSchema, type EntityInput } from './shared-schemas.ts';

/**
 * A group of the catalog (systems point at groups through `groupIds`). Exists between `create`
 * and `delete`; deleted is final, so a deleted id can never be re-created.
 */
export const groupMachineVersion = 1;

export const groupEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('create'),
    name: z.string().min(1).max(200),
    metadata: metadataSchema.default({}),
  }),
  z.object({
    type: z.literal('update'),
    name: z.string().min(1).max(200).optional(),
    metadata: metadataSchema.optional(),
  }),
  z.object({ type: z.literal('delete') }),
]);
export type GroupEvent = Timed<z.output<typeof groupEventSchema>>;

export const groupStateSchema = z.object({
  id: z.string(),
  name: z.string(),
  metadata: metadataSchema,
  createdAt: z.number(),
});
export type GroupState = z.infer<typeof groupStateSchema>;

export interface GroupContext extends GroupState {}

export const groupMachine = setup({
  types: {} as { context: GroupContext; events: GroupEvent; input: EntityInput },
}).createMachine({
  id: 'group',
  context: ({ input }) => ({ id: input.id, name: '', metadata: {}, createdAt: 0 }),
  initial: 'absent',
  states: {
    absent: {
      on: {
        create: {
          target: 'active',
          actions: assign(({ event }) => ({ name: event.name, metadata: event.metadata, createdAt: event.at })),
        },
      },
    },
    active: {
      on: {
        // An update that repeats current values yields an equal state: the runtime stores nothing.
        update: {
          actions: assign(({ context, event }) => ({
            name: event.name ?? context.name,
            metadata: event.metadata ?? context.metadata,
          })),
        },
        delete: { target: 'deleted' },
      },
    },
    deleted: { type: 'final' },
  },
});

/** Group entities: reactive state while `active`, null before `create` and after `delete`; no timers. */
export const groupDefinition = defineCatalogEntity({
  kind: 'group',
  machine: groupMachine,
  machineVersion: groupMachineVersion,
  eventSchema: groupEventSchema,
  stateSchema: groupStateSchema,
});
