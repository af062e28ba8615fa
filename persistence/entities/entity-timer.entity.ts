import { BigIntType, EntitySchema } from '@mikro-orm/core';

/**
 * A deadline an entity waits for, with its absolute due time. Rewritten in the same transaction
 * as the transition that set or cleared it, so it survives restarts and never disagrees with the
 * entity's state.
 */
export interface EntityTimerRow {
  kind: string;
  entityId: string;
  name: string;
  /** Partition of the entity: only the partition's owner fires the timer. */
  partition: number;
  /** Epoch ms; the timer's event is never delivered before this. */
  dueAt: number;
  event: { type: string; dueAt: number };
}

export const EntityTimerSchema = new EntitySchema<EntityTimerRow>({
  name: 'EntityTimer',
  tableName: 'entity_timers',
  indexes: [{ name: 'entity_timers_partition_due_at_idx', properties: ['partition', 'dueAt'] }],
  properties: {
    kind: { type: 'string', length: 32, primary: true },
    entityId: { type: 'string', length: 128, primary: true },
    name: { type: 'string', length: 64, primary: true },
    partition: { type: 'integer', default: 0 },
    dueAt: { type: new BigIntType('number'), index: 'entity_timers_due_at_idx' },
    event: { type: 'json' },
  },
});
