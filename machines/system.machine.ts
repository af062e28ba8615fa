import { assign, setup } from 'xstate';
import { z } from 'zod';
import { defineCatalogEntity } from './catalog-entity.ts';
import type { Timed } from './entity-definition.ts';
import { idListSchema, metadataSchema, type EntityInput } from './shared-schemas.ts';

/** A monitored system of the catalog. Exists between `create` and `delete`; deleted is final. */
export const systemMachineVersion = 1;

export const systemEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('create'),
    name: z.string().min(1).max(200),
    description: z.string().max(5000).default(''),
    metadata: metadataSchema.default({}),
    groupIds: idListSchema.default([]),
  }),
  z.object({
    type: z.literal('update'),
    name: z.string().min(1).max(200).optional(),
    description: z.string().max(5000).optional(),
    metadata: metadataSchema.optional(),
    groupIds: idListSchema.optional(),
  }),
  z.object({ type: z.literal('delete') }),
]);
export type SystemEvent = Timed<z.output<typeof systemEventSchema>>;

export const systemStateSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  metadata: metadataSchema,
  groupIds: z.array(z.string()),
  createdAt: z.number(),
});
export type SystemState = z.infer<typeof systemStateSchema>;

export interface SystemContext extends SystemState {}

export const systemMachine = setup({
  types: {} as { context: SystemContext; events: SystemEvent; input: EntityInput },
}).createMachine({
  id: 'system',
  context: ({ input }) => ({
    id: input.id,
    name: '',
    description: '',
    metadata: {},
    groupIds: [],
    createdAt: 0,
  }),
  initial: 'absent',
  states: {
    absent: {
      on: {
        create: {
          target: 'active',
          actions: assign(({ event }) => ({
            name: event.name,
            description: event.description,
            metadata: event.metadata,
            groupIds: event.groupIds,
            createdAt: event.at,
          })),
        },
      },
    },
    active: {
      on: {
        update: {
          actions: assign(({ context, event }) => ({
            name: event.name ?? context.name,
            description: event.description ?? context.description,
            metadata: event.metadata ?? context.metadata,
            groupIds: event.groupIds ?? context.groupIds,
          })),
        },
        delete: { target: 'deleted' },
      },
    },
    deleted: { type: 'final' },
  },
});

export const systemDefinition = defineCatalogEntity({
  kind: 'system',
  machine: systemMachine,
  machineVersion: systemMachineVersion,
  eventSchema: systemEventSchema,
  stateSchema: systemStateSchema,
});
