import type { Database } from './database.ts';

/**
 * The database server's clock now, in epoch milliseconds with microseconds as the fraction:
 * `clock_timestamp()`, the real time when the statement reads it (not the transaction's start, as
 * `now()` would be). The cluster's shared clock: every node measures its offset to it (see
 * `ClusterClock`), and `committedAt` of every transition is written with it.
 * Rejects with `PersistenceError` when the database cannot be reached.
 */
export async function readDatabaseClock(database: Database): Promise<number> {
  const [row] = await database.query<{ now: number | string }>('select extract(epoch from clock_timestamp())::float8 * 1000 as now');
  const now = Number(row?.now);
  if (!Number.isFinite(now)) throw new Error(`the database answered ${JSON.stringify(row?.now)} for clock_timestamp()`);
  return now;
}
