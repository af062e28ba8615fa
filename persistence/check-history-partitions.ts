import type { Database, Transaction } from './database.ts';
import { dayOfPartition, partitionName } from './check-history-tables.ts';
import { DAY_MS } from './check-history-tables.ts';

/** Arbitrary constant naming the check history's partition changes among the database's advisory locks. */
const PARTITION_LOCK_KEY = 7_318_420_013;
/**
 * How long a partition change waits for its table locks before giving up (and being tried again
 * later). Attaching needs only SHARE UPDATE EXCLUSIVE on `check_results`, which writers and readers
 * do not conflict with; dropping needs ACCESS EXCLUSIVE, which would queue every insert behind it
 * while it waits, so the wait is short.
 */
const LOCK_TIMEOUT = '2s';

/**
 * The raw results' partitions (one per UTC day) and the retention of raw rows and roll-ups. Safe
 * to run from several nodes at once: every partition change runs in its own transaction under
 * one advisory lock and checks what exists first, and the deletes are idempotent.
 *
 * A day's partition is created as a plain table (`like check_results`) and then attached:
 * `create table … partition of` would take ACCESS EXCLUSIVE on `check_results` and stall every
 * writer until it got it; `attach partition` takes SHARE UPDATE EXCLUSIVE only, and on an empty
 * table it has nothing to check. Rejects with `PersistenceError`.
 */
export class CheckHistoryPartitions {
  constructor(private readonly db: Database) {}

  /** The UTC days (their starts, epoch ms) that have a partition, oldest first. */
  async days(): Promise<number[]> {
    const rows = await this.db.query<{ name: string }>(
      `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'check_results'::regclass`,
    );
    return rows.map((row) => dayOfPartition(String(row.name))).filter((day): day is number => day !== undefined).sort((a, b) => a - b);
  }

  /** Creates the partitions of these UTC days (their starts) that do not exist yet; resolves with the days created. */
  async ensure(days: Iterable<number>): Promise<number[]> {
    const created: number[] = [];
    for (const day of [...new Set(days)].sort((a, b) => a - b)) {
      const name = partitionName(day);
      const made = await this.db.transaction(async (transaction) => {
        await this.lock(transaction);
        if (await this.exists(name, transaction)) return false;
        await this.db.query(`create table "${name}" (like check_results including defaults including constraints)`, [], transaction);
        await this.db.query(
          `alter table check_results attach partition "${name}" for values from ('${new Date(day).toISOString()}') to ('${new Date(day + DAY_MS).toISOString()}')`,
          [],
          transaction,
        );
        return true;
      });
      if (made) created.push(day);
    }
    return created;
  }

  /** Drops the partitions of the days that ended at or before `cutoffMs`; resolves with the days dropped. */
  async dropEndedBefore(cutoffMs: number): Promise<number[]> {
    const dropped: number[] = [];
    for (const day of await this.days()) {
      if (day + DAY_MS > cutoffMs) continue;
      const name = partitionName(day);
      const gone = await this.db.transaction(async (transaction) => {
        await this.lock(transaction);
        // Another node may have dropped it since the list was read.
        if (!(await this.exists(name, transaction))) return false;
        await this.db.query(`drop table "${name}"`, [], transaction);
        return true;
      });
      if (gone) dropped.push(day);
    }
    return dropped;
  }

  /** Deletes the roll-ups of this grain whose bucket started before `cutoffMs`; resolves with the rows deleted. */
  async deleteRollupsBefore(grain: 'hour' | 'day', cutoffMs: number): Promise<number> {
    let deleted = 0;
    for (const table of ['check_rollups', 'system_rollups']) {
      const rows = await this.db.query<{ n: string | number }>(
        `with gone as (delete from ${table} where grain = ? and bucket_start < to_timestamp(? / 1000.0) returning 1) select count(*) as n from gone`,
        [grain, cutoffMs],
      );
      deleted += Number(rows[0]?.n ?? 0);
    }
    return deleted;
  }

  /**
   * Whether the table exists now. Read from pg_class with the statement's snapshot: `to_regclass`
   * looks names up in this session's catalog cache, which may not have seen a drop or create
   * another session committed while this one waited for the lock.
   */
  private async exists(name: string, transaction: Transaction): Promise<boolean> {
    const rows = await this.db.query(
      `select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relname = ? and n.nspname = current_schema()`,
      [name],
      transaction,
    );
    return rows.length > 0;
  }

  private async lock(transaction: Transaction): Promise<void> {
    await this.db.query(`set local lock_timeout = '${LOCK_TIMEOUT}'`, [], transaction);
    await this.db.query(`select pg_advisory_xact_lock(?)`, [PARTITION_LOCK_KEY], transaction);
  }
}
