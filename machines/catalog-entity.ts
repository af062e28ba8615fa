import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import type { z } from 'zod';
import type { EntityKind } from './entity-change.ts';
import { defineEntity, type EntityDefinition } from './entity-definition.ts';

/**
 * The definition of a catalog entity (system, group, check): a machine that is `absent` until
 * `create`, `active` until `delete`, then `deleted` (final). Its reactive state is its context
 * while active and null otherwise; it has no runtime-only events and no timers.
 */
export function defineCatalogEntity<TMachine extends AnyStateMachine>(catalog: {
  kind: EntityKind;
  machine: TMachine;
  machineVersion: number;
  eventSchema: z.ZodType<{ type: string }>;
  stateSchema: z.ZodType<Record<string, unknown>>;
  internalEventTypes?: readonly string[];
  timers?: EntityDefinition<TMachine>['timers'];
}): EntityDefinition<TMachine> {
  return defineEntity({
    ...catalog,
    internalEventTypes: catalog.internalEventTypes ?? [],
    toState: (snapshot) => {
      const { value, context } = snapshot as AnyMachineSnapshot;
      return value === 'active' ? { ...context } : null;
    },
    timers: catalog.timers ?? (() => []),
  });
}
