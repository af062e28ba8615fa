import { BigIntType, EntitySchema } from '@mikro-orm/core';

/**
 * A committed change waiting to be published on JetStream. Written in the transaction that
 * commits the transition; deleted by a relay only after JetStream acknowledged the publish.
 * `id` orders publishing but is never used as a cursor: ids are assigned before commit, so
 * transactions become visible out of id order.
 */
export interface OutboxMessageRow {
  id: number;
  kind: string;
  entityId: string;
  version: number;
  /** The entity change (see machines/entity-change.ts). */
  payload: Record<string, unknown>;
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
    payload: { type: 'json' },
    createdAt: { type: new BigIntType('number') },
  },
});
