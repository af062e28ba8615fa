import type { Database } from './database.ts';

/** The fence a commit must pass: the epochs this node holds, per partition. */
export interface LeaseFence {
  nodeId: string;
  /** partition → epoch, for every partition this node currently owns. */
  epochs: ReadonlyMap<number, number>;
}

/**
 * Partition epochs in PostgreSQL: the fencing half of placement (the leases themselves live in
 * NATS KV). Taking a partition over increments its epoch; every commit re-reads the epochs of
 * its partitions `FOR SHARE` in its own transaction, so a takeover waits for a commit already
 * under way, and any later commit by the previous owner finds a newer epoch and writes nothing.
 */
export class LeaseStore {
  constructor(private readonly db: Database) {}

  /**
   * Makes `nodeId` the owner of `partition` with a new epoch and returns it. Waits at most
   * `lockTimeoutMs` for the previous owner's in-flight commit (its session is killed by
   * PostgreSQL's `idle_in_transaction_session_timeout` if its process is frozen).
   */
  async acquire(partition: number, nodeId: string, lockTimeoutMs: number): Promise<number> {
    return this.db.transaction(async (transaction) => {
      await this.db.query(`set local lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`, [], transaction);
      const [row] = await this.db.query<{ epoch: string | number }>(
        `insert into partition_leases (partition, owner, epoch) values (?, ?, 1)
         on conflict (partition) do update set owner = excluded.owner, epoch = partition_leases.epoch + 1, acquired_at = clock_timestamp()
         returning epoch`,
        [partition, nodeId],
        transaction,
      );
      await this.db.query('insert into partition_lease_history (partition, epoch, owner) values (?, ?, ?)', [partition, row!.epoch, nodeId], transaction);
      return Number(row!.epoch);
    });
  }

  /**
   * Stores `value` under `key` unless a value is already there, and returns the stored one — so
   * the first node fixes a cluster-wide setting and later nodes can check they agree.
   */
  async settle(key: string, value: unknown): Promise<unknown> {
    await this.db.query('insert into cluster_settings (key, value) values (?, ?::jsonb) on conflict (key) do nothing', [key, JSON.stringify(value)]);
    const [row] = await this.db.query<{ value: unknown }>('select value from cluster_settings where key = ?', [key]);
    return row?.value;
  }

  /** A cluster-wide setting, or undefined if no node has fixed it yet. */
  async read(key: string): Promise<unknown> {
    const [row] = await this.db.query<{ value: unknown }>('select value from cluster_settings where key = ?', [key]);
    return row?.value;
  }
}
