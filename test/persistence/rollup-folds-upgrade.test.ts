import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckHistoryReader } from '../../history/index.ts';
import { CheckHistoryFolds, CheckHistoryPartitions, CheckHistoryQueries, Database, DAY_MS, dayStartOf, HOUR_MS, hourStartOf } from '../../persistence/index.ts';
import { createTestDatabase } from '../support/isolation.ts';

// An installation that stored history before roll-ups were folded (every grain written by each
// result, no `system_id` on check roll-ups) upgrades: today's figures must stay whole — the
// buckets in progress are folded like the others once they end.
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Database;

beforeAll(async () => {
  database = await createTestDatabase();
  db = await Database.open({ url: database.url, dataDir: '/tmp' });
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

describe('upgrading to folded roll-ups (Migration20261207030000_rollup_folds)', () => {
  it("fills in today's check hours' systems from their raw results, so folding today and this hour keeps every count", async () => {
    await db.migrate({ to: 'Migration20261207020000_check_history' });
    const now = Date.now();
    const today = dayStartOf(now);
    const thisHour = hourStartOf(now);
    // Results of the old version: two checks of one system, this hour and earlier today (or, just
    // after midnight, yesterday), with every roll-up written directly.
    const earlier = thisHour > today ? today : today - HOUR_MS;
    await new CheckHistoryPartitions(db).ensure([today - DAY_MS, today]);
    const results = [
      { check: 'web-http', at: earlier + 1_000, success: true },
      { check: 'web-http', at: thisHour + 2_000, success: false },
      { check: 'web-tls', at: thisHour + 3_000, success: true },
    ];
    for (const result of results) {
      await db.query(`insert into check_results (executed_at, success, check_id, source, system_id, result_id) values (to_timestamp(? / 1000.0), ?, ?, 'sat', 'web', ?)`, [result.at, result.success, result.check, `${result.check}:${result.at}`]);
      for (const [table, id, grain, bucket] of [['check_rollups', result.check, 'hour', hourStartOf(result.at)], ['check_rollups', result.check, 'day', dayStartOf(result.at)], ['system_rollups', 'web', 'hour', hourStartOf(result.at)], ['system_rollups', 'web', 'day', dayStartOf(result.at)]] as const) {
        await db.query(
          `insert into ${table} (${table === 'check_rollups' ? 'check_id' : 'system_id'}, grain, bucket_start, shard, results, failures) values (?, ?, to_timestamp(? / 1000.0), 0, 1, ?)
           on conflict (${table === 'check_rollups' ? 'check_id' : 'system_id'}, grain, bucket_start, shard) do update set results = ${table}.results + 1, failures = ${table}.failures + excluded.failures`,
          [id, grain, bucket, result.success ? 0 : 1],
        );
      }
    }
    expect(await db.migrate()).toEqual(['Migration20261207030000_rollup_folds']);
    // The watermarks start at the hour and day of the upgrade (PostgreSQL's clock: normally this hour).
    const start = await new CheckHistoryFolds(db).current();
    expect([thisHour, thisHour + HOUR_MS]).toContain(start.hours);
    const systems = await db.query<{ check_id: string; system_id: string | null }>(`select distinct check_id, system_id from check_rollups where grain = 'hour' and bucket_start >= to_timestamp(? / 1000.0) order by 1`, [dayStartOf(earlier)]);
    expect(systems.map((row) => [row.check_id, row.system_id])).toEqual([['web-http', 'web'], ['web-tls', 'web']]);

    const reader = new CheckHistoryReader(new CheckHistoryQueries(db), () => now);
    const before = await reader.uptime('system', 'web');
    expect(before[0]).toMatchObject({ window: '24h', results: 3, failures: 1 });
    // An hour and a day later, the buckets in progress at the upgrade are folded: the same figures.
    const folded = await new CheckHistoryFolds(db).fold(today + DAY_MS + HOUR_MS);
    expect(folded.hours.from).toBe(start.hours);
    expect(folded.days.from).toBe(start.days);
    const after = await new CheckHistoryReader(new CheckHistoryQueries(db), () => now).uptime('system', 'web');
    expect(after).toEqual(before);
    const today_ = await db.query<{ results: number; failures: number }>(`select sum(results)::int as results, sum(failures)::int as failures from system_rollups where system_id = 'web' and grain = 'day' and bucket_start = to_timestamp(? / 1000.0)`, [today]);
    expect(today_[0]).toEqual({ results: results.filter((result) => result.at >= today).length, failures: 1 });
  });

  it('counts for its system what a node of the version before writes after the upgrade (a rolling upgrade)', async () => {
    // The first test folded up to tomorrow 01:00; an hour after that is not folded yet.
    const folds = await new CheckHistoryFolds(db).current();
    const hour = folds.hours + HOUR_MS;
    await new CheckHistoryPartitions(db).ensure([dayStartOf(hour)]);
    // The old version's write: the raw row, and every grain directly, with no system_id.
    for (const [check, success, at] of [['api-http', true, hour + 5_000], ['api-http', false, hour + 65_000], ['api-dns', true, hour + 7_000]] as const) {
      await db.query(`insert into check_results (executed_at, success, check_id, source, system_id, result_id) values (to_timestamp(? / 1000.0), ?, ?, 'sat', 'api', ?)`, [at, success, check, `${check}:${at}`]);
      for (const [table, id, grain, bucket] of [['check_rollups', check, 'hour', hour], ['check_rollups', check, 'day', dayStartOf(hour)], ['system_rollups', 'api', 'hour', hour], ['system_rollups', 'api', 'day', dayStartOf(hour)]] as const) {
        await db.query(
          `insert into ${table} (${table === 'check_rollups' ? 'check_id' : 'system_id'}, grain, bucket_start, shard, results, failures) values (?, ?, to_timestamp(? / 1000.0), 0, 1, ?)
           on conflict (${table === 'check_rollups' ? 'check_id' : 'system_id'}, grain, bucket_start, shard) do update set results = ${table}.results + 1, failures = ${table}.failures + excluded.failures`,
          [id, grain, bucket, success ? 0 : 1],
        );
      }
    }
    const folded = await new CheckHistoryFolds(db).fold(hour + 2 * HOUR_MS);
    expect(folded.hours.to).toBeGreaterThan(hour);
    const systemHour = await db.query<{ results: number; failures: number }>(`select sum(results)::int as results, sum(failures)::int as failures from system_rollups where system_id = 'api' and grain = 'hour' and bucket_start = to_timestamp(? / 1000.0)`, [hour]);
    expect(systemHour[0]).toEqual({ results: 3, failures: 1 });
    const filled = await db.query<{ check_id: string; system_id: string | null }>(`select check_id, system_id from check_rollups where grain = 'hour' and bucket_start = to_timestamp(? / 1000.0) order by 1`, [hour]);
    expect(filled).toEqual([{ check_id: 'api-dns', system_id: 'api' }, { check_id: 'api-http', system_id: 'api' }]);
  });
});
