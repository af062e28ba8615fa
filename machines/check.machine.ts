import { assign, setup } from 'xstate';
import { z } from 'zod';
import { entityIdSchema } from './entity-change.ts';
import { defineCatalogEntity } from './catalog-entity.ts';
import type { Timed } from './entity-definition.ts';
import { checkStrategySchema, type CheckStrategy } from '../protocol/check-strategy.ts';
import { idListSchema, type EntityInput } from './shared-schemas.ts';

/**
 * A check of a system, run by satellites: how (HTTP, TCP, DNS or TLS; see protocol/check-strategy.ts), how often, and by which satellites.
 * Its id is the `checkId` that results report. Exists between `create` and `delete`.
 */
export const checkMachineVersion = 1;

export { checkStrategySchema, dnsStrategySchema, httpStrategySchema, tcpStrategySchema, tlsStrategySchema, type CheckStrategy } from '../protocol/check-strategy.ts';

export const checkEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('create'),
    systemId: entityIdSchema,
    strategy: checkStrategySchema,
    intervalMs: z.number().int().min(1_000).max(86_400_000).default(60_000),
    satelliteIds: idListSchema.default([]),
  }),
  z.object({
    type: z.literal('update'),
    strategy: checkStrategySchema.optional(),
    intervalMs: z.number().int().min(1_000).max(86_400_000).optional(),
    satelliteIds: idListSchema.optional(),
  }),
  z.object({ type: z.literal('delete') }),
]);
export type CheckEvent = Timed<z.output<typeof checkEventSchema>>;

export const checkStateSchema = z.object({
  id: z.string(),
  systemId: z.string(),
  strategy: checkStrategySchema,
  intervalMs: z.number(),
  satelliteIds: z.array(z.string()),
});
export type CheckState = z.infer<typeof checkStateSchema>;

export interface CheckContext extends Omit<CheckState, 'strategy'> {
  strategy: CheckStrategy | null;
}

export const checkMachine = setup({
  types: {} as { context: CheckContext; events: CheckEvent; input: EntityInput },
}).createMachine({
  id: 'check',
  context: ({ input }) => ({ id: input.id, systemId: '', strategy: null, intervalMs: 60_000, satelliteIds: [] }),
  initial: 'absent',
  states: {
    absent: {
      on: {
        create: {
          target: 'active',
          actions: assign(({ event }) => ({ systemId: event.systemId, strategy: event.strategy, intervalMs: event.intervalMs, satelliteIds: event.satelliteIds })),
        },
      },
    },
    active: {
      on: {
        // Repeating current values yields an equal state: the runtime stores nothing.
        update: {
          actions: assign(({ context, event }) => ({
            strategy: event.strategy ?? context.strategy,
            intervalMs: event.intervalMs ?? context.intervalMs,
            satelliteIds: event.satelliteIds ?? context.satelliteIds,
          })),
        },
        delete: { target: 'deleted' },
      },
    },
    deleted: { type: 'final' },
  },
});

/** Check entities: reactive state while `active`, null before `create` and after `delete`; no timers. */
export const checkDefinition = defineCatalogEntity({
  kind: 'check',
  machine: checkMachine,
  machineVersion: checkMachineVersion,
  eventSchema: checkEventSchema,
  stateSchema: checkStateSchema as unknown as z.ZodType<Record<string, unknown>>,
});
