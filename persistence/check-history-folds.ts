import type { Database } from './database.ts';
import { foldsOf, READ_FOLDS, ROLLUP_FOLD_LOCK_KEY, type FoldsRow, type RollupFolds } from './check-history-store.ts';
import { dayStartOf, hourStartOf } from './check-history-tables.ts';

/** What one fold did: the buckets it folded ([from, to) epoch ms; empty when from = to). */
export interface FoldReport {
  hours: { from: number; to: number };
  days: { from: number; to: number };
}

/**
 * How long a fold waits for the history transactions in flight (each holds the fold lock shared
 * for its few statements) before giving up until the next run. While it waits, new history
 * transactions queue behind it, so the wait is short.
 */
const LOCK_TIMEOUT = '5s';

/** Replaces a derived roll-up's rows in [from, to) by the sum of its source rows. */
const FOLD = (target: { table: string; id: string; grain: 'hour' | 'day' }, source: { table: string; grain: 'hour' }, bucket: string, extra = '') => [
  `delete from ${target.table} where grain = '${target.grain}' and bucket_start >= to_timestamp(?::bigint / 1000.0) and bucket_start < to_timestamp(?::bigint / 1000.0)`,
  `insert into ${target.table} (${target.id}, grain, bucket_start, shard, results, failures, latency_histogram${extra ? ', system_id' : ''})
   select ${target.id}, '${target.grain}', ${bucket}, 0, sum(results), sum(failures), vigil_histogram_sum(latency_histogram)${extra}
   from ${source.table}
   where grain = '${source.grain}' and bucket_start >= to_timestamp(?::bigint / 1000.0) and bucket_start < to_timestamp(?::bigint / 1000.0)${target.id === 'system_id' ? ' and system_id is not null' : ''}
   group by ${target.id}, ${bucket}`,
];

const DAY_OF_BUCKET = `date_trunc('day', bucket_start, 'UTC')`;

/**
 * A node of the version before folded roll-ups (still running during a rolling upgrade) writes
 * check hours without `system_id`: each gets it from one of its raw results before the hours are
 * summed into systems, as the upgrade's migration did for the hours then in progress. Such a node
 * does not take the fold lock, so a result it writes during the fold itself may still be missed by
 * its system's hour (docs/OPERATIONS.md, "Check history").
 */
const FILL_SYSTEM_OF_CHECK_HOURS = `update check_rollups r set system_id = (
    select c.system_id from check_results c
    where c.check_id = r.check_id and c.executed_at >= r.bucket_start and c.executed_at < r.bucket_start + interval '1 hour' limit 1)
  where r.grain = 'hour' and r.system_id is null
    and r.bucket_start >= to_timestamp(?::bigint / 1000.0) and r.bucket_start < to_timestamp(?::bigint / 1000.0)`;

/**
 * Folds the roll-ups of ended buckets (migration 20261207030000). A result adds to its check's
 * hourly roll-up only (CheckHistoryStore); once an hour has ended, its system roll-ups are the
 * sum of its checks' (by `check_rollups.system_id`), and once a UTC day has ended, each check's
 * and system's daily roll-up is the sum of its hours. A fold replaces those derived rows whole,
 * under the fold lock held exclusively, so every history transaction has either committed before
 * it (and is in the sums) or reads the new watermarks after it (and, for a late result, adds to
 * the derived rows itself). Runs in one transaction: a fold interrupted anywhere leaves nothing.
 * Safe from several nodes at once (the second finds nothing to fold). Rejects with `PersistenceError`.
 */
export class CheckHistoryFolds {
  constructor(private readonly db: Database) {}

  /** The watermarks in force now (for reads: buckets from them on are summed from the check's hours). */
  async current(): Promise<RollupFolds> {
    return foldsOf((await this.db.query<FoldsRow>(READ_FOLDS))[0]);
  }

  /** Folds every hour and UTC day that ended by `nowMs` (cluster clock) and is not folded yet. */
  async fold(nowMs: number): Promise<FoldReport> {
    return this.db.transaction(async (transaction) => {
      await this.db.query(`set local lock_timeout = '${LOCK_TIMEOUT}'`, [], transaction);
      await this.db.query(`select pg_advisory_xact_lock(?::bigint)`, [ROLLUP_FOLD_LOCK_KEY], transaction);
      const before = foldsOf((await this.db.query<FoldsRow>(READ_FOLDS, [], transaction))[0]);
      const after = { hours: Math.max(before.hours, hourStartOf(nowMs)), days: Math.max(before.days, dayStartOf(nowMs)) };
      const run = async (statements: string[], from: number, to: number) => {
        for (const sql of statements) await this.db.query(sql, [from, to], transaction);
      };
      if (after.hours > before.hours) {
        await run([FILL_SYSTEM_OF_CHECK_HOURS], before.hours, after.hours);
        await run(FOLD({ table: 'system_rollups', id: 'system_id', grain: 'hour' }, { table: 'check_rollups', grain: 'hour' }, 'bucket_start'), before.hours, after.hours);
      }
      if (after.days > before.days) {
        // Days from their hours: the system's hours of these days are folded just above.
        await run(FOLD({ table: 'check_rollups', id: 'check_id', grain: 'day' }, { table: 'check_rollups', grain: 'hour' }, DAY_OF_BUCKET, ', max(system_id)'), before.days, after.days);
        await run(FOLD({ table: 'system_rollups', id: 'system_id', grain: 'day' }, { table: 'system_rollups', grain: 'hour' }, DAY_OF_BUCKET), before.days, after.days);
      }
      if (after.hours > before.hours || after.days > before.days) {
        await this.db.query(
          `update history_rollup_folds set hours_folded_until = to_timestamp(?::bigint / 1000.0), days_folded_until = to_timestamp(?::bigint / 1000.0)`,
          [after.hours, after.days],
          transaction,
        );
      }
      return { hours: { from: before.hours, to: after.hours }, days: { from: before.days, to: after.days } };
    });
  }
}
