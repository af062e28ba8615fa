import { BigIntType, EntitySchema } from '@mikro-orm/core';

/**
 * A committed change waiting to be published on JetStream: a reference to its transition row.
 * Written in the transaction that
 * commits the transition; deleted by a relay only after JetStream acknowledged the publish.
 * `id` orders publishing but is never used as a cursor: ids are assigned before commit, so
 * transactions become visible out of id order.
 */
export interface OutboxMessageRow {
  id: number;
  kind: string;
  entityId: string;
  version: number;
  /**
   * Null: the change is read from its `entity_transitions` row (kind, id, version). Rows written
   * before that migration carry the entity change itself (see machines/entity-change.ts).
   */
  payload: Record<string, unknown> | null;
  createdAt: number;
}

export const OutboxMessageSchema = new EntitySchema<OutboxMessageRow>({
  name: 'OutboxMessage',
  tableName: 'outbox',
  properties: {
    id: { type: new BigIntType('number'), primary: true, autoincrement: true },
    kind: { type: 'string', length: 32 },
    entityId: { type: 'string', length: 128 },
    version: { type: 'integer' },
    payload: { type: 'json', nullable: true },
    createdAt: { type: new BigIntType('number') },
  },
});
