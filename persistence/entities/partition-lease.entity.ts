import { EntitySchema } from '@mikro-orm/core';

/**
 * The fencing side of a partition lease. The lease itself lives in NATS KV (fast, watched by
 * every node); this row holds the epoch that every commit checks in its own transaction. A node
 * that takes a partition over bumps the epoch, so the previous owner — paused, partitioned, or
 * just slow to notice — can never commit for that partition again.
 */
export interface PartitionLeaseRow {
  partition: number;
  owner: string;
  epoch: number;
  acquiredAt: Date;
}

export const PartitionLeaseSchema = new EntitySchema<PartitionLeaseRow>({
  name: 'PartitionLease',
  tableName: 'partition_leases',
  properties: {
    partition: { type: 'integer', primary: true, autoincrement: false },
    owner: { type: 'string', length: 64 },
    epoch: { type: 'bigint' },
    acquiredAt: { type: 'datetime', defaultRaw: 'clock_timestamp()' },
  },
});

/** Every epoch ever taken, kept for audits: who could commit for a partition, and from when. */
export interface PartitionLeaseHistoryRow {
  partition: number;
  epoch: number;
  owner: string;
  acquiredAt: Date;
}

export const PartitionLeaseHistorySchema = new EntitySchema<PartitionLeaseHistoryRow>({
  name: 'PartitionLeaseHistory',
  tableName: 'partition_lease_history',
  properties: {
    partition: { type: 'integer', primary: true, autoincrement: false },
    epoch: { type: 'bigint', primary: true },
    owner: { type: 'string', length: 64 },
    acquiredAt: { type: 'datetime', defaultRaw: 'clock_timestamp()' },
  },
});
