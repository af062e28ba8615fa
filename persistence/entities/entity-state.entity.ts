import { BigIntType, EntitySchema } from '@mikro-orm/core';
import { queryIndexes } from './query-indexes.ts';

/**
 * The current state of one entity: one row per (kind, id), rewritten by every transition.
 * `version` is the number of the last committed transition; a write is applied only if the
 * stored version is the one the writer read (fencing: a stale writer can never win).
 */
export interface EntityStateRow {
  kind: string;
  id: string;
  version: number;
  /** Reactive state (what changes carry), null while the entity does not exist. */
  state: Record<string, unknown> | null;
  stateValue: unknown;
  /** The XState snapshot `{ value, context }` the actor is restored from. */
  snapshot: { value: unknown; context: Record<string, unknown> };
  machineVersion: number;
  /** Epoch ms of the last transition. */
  updatedAt: number;
}

export const EntityStateSchema = new EntitySchema<EntityStateRow>({
  name: 'EntityState',
  tableName: 'entity_state',
  indexes: [
    {
      // Automation runs waiting on an entity or a trigger event (automations/engine/wait-waker.ts).
      name: 'entity_state_run_wait_keys',
      expression: `create index "entity_state_run_wait_keys" on "entity_state" using gin (("state"->'wait'->'keys')) where "kind" = 'automation_run'`,
    },
    ...queryIndexes,
  ],
  properties: {
    kind: { type: 'string', length: 32, primary: true },
    id: { type: 'string', length: 128, primary: true },
    version: { type: 'integer' },
    state: { type: 'json', nullable: true },
    stateValue: { type: 'json' },
    snapshot: { type: 'json' },
    machineVersion: { type: 'integer' },
    updatedAt: { type: new BigIntType('number') },
  },
});
