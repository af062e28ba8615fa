/**
 * Check history benchmark, on its own database (no node: the writer and reader the node uses):
 *
 * 1. bytes per stored raw result — realistic mixes written through `CheckHistoryWriter` (the
 *    ingest path's API: raw rows and the checks' hourly roll-ups in one statement per batch), each mix into its own
 *    day's partition, then `pg_total_relation_size` of that partition (heap, TOAST, the unique
 *    index, after VACUUM) / rows; also the rate and the CPU per result (PostgreSQL backends, this
 *    process) while writing, the time of a page of one check's results, and the time of the fold
 *    of those two days' roll-ups (persistence/check-history-folds.ts);
 * 2. uptime query time — hourly and daily roll-ups of `BENCH_CHECKS` checks (1,000) over 90 days,
 *    two shards a bucket, written with SQL in the tables' own format, then `CheckHistoryReader.uptime` (24h, 7d, 30d,
 *    90d windows) for every check, one at a time: p50 / p99;
 * 3. three writers (as three nodes) recording the same 200 systems' results at once, each on its own
 *    roll-up shards and then all on the same ones: rows per second.
 *
 *   npm run bench:history
 *   BENCH_ROWS=50000 BENCH_CHECKS=200 npm run bench:history
 *   BENCH_WRITER_CONCURRENCY=1 npm run bench:history   # the writer's transactions in flight (default 2)
 *
 * Prints one JSON line, then a table; progress on stderr.
 */
import { readFileSync } from 'node:fs';
import { CheckHistoryReader, CheckHistoryWriter, type CheckHistoryRecord } from '../history/index.ts';
import { createLogger } from '../node/index.ts';
import { CheckHistoryFolds, CheckHistoryPartitions, CheckHistoryQueries, CheckHistoryStore, Database, DAY_MS, dayStartOf, HOUR_MS } from '../persistence/index.ts';
import { createTestDatabase } from '../test/support/isolation.ts';
import { CLOCK_TICKS, databaseBackendTicks } from './support/proc-cpu.ts';
import { seededRandom as random } from '../test/support/seeded-random.ts';

const rowsPerMix = Number(process.env.BENCH_ROWS ?? 200_000);
const queryChecks = Number(process.env.BENCH_CHECKS ?? 1_000);
const log = (message: string) => process.stderr.write(`${message}\n`);
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const quantile = (sorted: number[], q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;

type Mix = 'realistic' | 'bare';

/**
 * One result of check `n` of 2,000 (1,000 systems, two checks each) from satellite `eu-west-<k>`.
 * `realistic`: what the agent's check kinds send — HTTP 50 % (DNS/connect/TLS/first byte/total
 * timings, `statusCode`, a third with `certificateDaysLeft`), TCP 30 % (connect, total), DNS 10 %
 * (DNS, total, `answers`), push 10 % (no latency, no timings); 2 % failures with a kind, message
 * and code. `bare`: an old agent — latency and success only, failures with a detail.
 */
function resultOf(mix: Mix, n: number, executedAt: number, next: () => number): CheckHistoryRecord {
  const check = n % 2_000;
  const kind = check % 10 < 5 ? 'http' : check % 10 < 8 ? 'tcp' : check % 10 < 9 ? 'dns' : 'push';
  const checkId = `${kind}-check-${check}`;
  const source = kind === 'push' ? 'push' : `eu-west-${n % 3}`;
  const success = next() > 0.02;
  const latencyMs = kind === 'push' ? null : Math.round(20 + 300 * next() ** 3);
  const base = { checkId, systemId: `system-${check % 1_000}`, source, resultId: `${checkId}:${executedAt}:${Math.floor(next() * 2 ** 32).toString(16).padStart(8, '0')}`, executedAt, success, latencyMs };
  if (mix === 'bare') return success ? base : { ...base, detail: 'connect ECONNREFUSED 10.0.0.7:443' };
  const error = success ? null : kind === 'http' && next() < 0.5 ? { kind: 'status' as const, message: 'HTTP 503, expected 200' } : { kind: 'connect' as const, message: 'connect ECONNREFUSED 10.0.0.7:443', code: 'ECONNREFUSED' };
  if (kind === 'http') {
    const dnsMs = 1 + 3 * next();
    return {
      ...base, error,
      timings: { dnsMs, connectMs: dnsMs + 5, tlsMs: dnsMs + 25, firstByteMs: latencyMs! - 2, totalMs: latencyMs! },
      measured: success ? { statusCode: 200, ...(check % 3 === 0 ? { certificateDaysLeft: 42 } : {}) } : { statusCode: 503 },
    };
  }
  if (kind === 'tcp') return { ...base, error, timings: { connectMs: latencyMs!, totalMs: latencyMs! } };
  if (kind === 'dns') return { ...base, error, timings: { dnsMs: latencyMs!, totalMs: latencyMs! }, measured: { answers: '10.0.0.1,10.0.0.2' } };
  return { ...base, error: success ? null : { kind: 'missed' as const, message: 'no ping within 300 s' } };
}

const database = await createTestDatabase();
const db = await Database.open({ url: database.url, dataDir: '/tmp', poolSize: 4 });
const databaseName = new URL(database.url).pathname.slice(1);
try {
  await db.migrate();
  const logger = createLogger('bench', 'warn');
  const partitions = new CheckHistoryPartitions(db);
  const now = Date.now();
  const writer = new CheckHistoryWriter({ store: new CheckHistoryStore(db), partitions, log: logger, clock: () => now, rawRetentionMs: 14 * DAY_MS, ...(process.env.BENCH_WRITER_CONCURRENCY ? { maxConcurrentTransactions: Number(process.env.BENCH_WRITER_CONCURRENCY) } : {}) });

  // 1. Each mix into its own day (yesterday, the day before), as the gateway records them: a
  // call per system batch (two results), 500 calls in flight, the writer gathering them. Those
  // days are not folded yet (as today is in production), so each result adds to its check's hour
  // only — the usual path, not a late result's.
  const mixes: Array<{ mix: Mix; day: number }> = [{ mix: 'realistic', day: dayStartOf(now) - DAY_MS }, { mix: 'bare', day: dayStartOf(now) - 2 * DAY_MS }];
  const foldsBack = (to: number) => db.query('update history_rollup_folds set hours_folded_until = to_timestamp(? / 1000.0), days_folded_until = to_timestamp(? / 1000.0)', [to, to]);
  await foldsBack(dayStartOf(now) - 2 * DAY_MS);
  const written: Array<Record<string, unknown>> = [];
  for (const { mix, day } of mixes) {
    const load = loadAverage();
    log(`writing ${rowsPerMix} ${mix} results (load average ${load})`);
    const next = random(7);
    const pgBefore = databaseBackendTicks(databaseName);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    let n = 0;
    await Promise.all(
      Array.from({ length: 500 }, async () => {
        while (n < rowsPerMix) {
          const batch: CheckHistoryRecord[] = [];
          for (let k = 0; k < 2 && n < rowsPerMix; k++, n++) batch.push(resultOf(mix, n, day + Math.floor(n / 2_000) * 1_000 + (n % 2_000), next));
          await writer.record(batch);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const pgSeconds = (databaseBackendTicks(databaseName) - pgBefore) / CLOCK_TICKS;
    const partition = `check_results_p${new Date(day).toISOString().slice(0, 10).replace(/-/g, '')}`;
    await db.query(`vacuum analyze ${partition}`);
    const [size] = await db.query<{ total: string; heap: string; indexes: string; toast: string; rows: string }>(
      `select pg_total_relation_size(c.oid) as total, pg_relation_size(c.oid) as heap, pg_indexes_size(c.oid) as indexes,
         coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0) as toast, (select count(*) from ${partition}) as rows
       from pg_class c where c.relname = ?`,
      [partition],
    );
    const rows = Number(size!.rows);
    written.push({
      mix, rows, loadAverage: load,
      bytesPerResult: Math.round(Number(size!.total) / rows),
      heapBytesPerResult: Math.round(Number(size!.heap) / rows),
      indexBytesPerResult: Math.round(Number(size!.indexes) / rows),
      toastBytes: Number(size!.toast),
      resultsPerSecond: Math.round(rows / seconds),
      postgresCpuMicrosPerResult: Math.round((pgSeconds * 1e6) / rows),
      // This process: building the records, the writer's batches and the roll-up deltas.
      writerCpuMicrosPerResult: Math.round((cpu.user + cpu.system) / rows),
    });
  }
  // A page of one check's results (newest 50, and its failures only) out of the realistic day.
  const queries = new CheckHistoryQueries(db);
  const pageTimes = { all: [] as number[], failures: [] as number[] };
  for (let c = 0; c < 200; c++) {
    for (const [name, success] of [['all', undefined], ['failures', false]] as const) {
      const started = performance.now();
      await queries.results({ checkId: `http-check-${c * 10}`, ...(success === undefined ? {} : { success }), limit: 50 });
      pageTimes[name].push(performance.now() - started);
    }
  }
  const pages = Object.fromEntries(Object.entries(pageTimes).map(([name, times]) => {
    times.sort((a, b) => a - b);
    return [name, { p50Ms: +quantile(times, 0.5).toFixed(2), p99Ms: +quantile(times, 0.99).toFixed(2) }];
  }));
  // The fold of those two days, as a node runs it after midnight: the hours' system roll-ups and
  // the days' check and system roll-ups, summed from the checks' hours (2,000 checks, 1,000 systems).
  const foldLoad = loadAverage();
  const foldStarted = performance.now();
  const folded = await new CheckHistoryFolds(db).fold(now);
  const fold = { days: (folded.days.to - folded.days.from) / DAY_MS, seconds: +((performance.now() - foldStarted) / 1000).toFixed(3), loadAverage: foldLoad };
  // Roll-ups are updated in place (HOT), so their files hold dead versions between vacuums:
  // measured compacted (VACUUM FULL), the size the rows themselves take.
  await db.query('vacuum full check_rollups');
  await db.query('vacuum full system_rollups');
  const [rollupSize] = await db.query<{ checks: string; systems: string; rows: string; systemRows: string }>(
    `select pg_total_relation_size('check_rollups') as checks, pg_total_relation_size('system_rollups') as systems,
       (select count(*) from check_rollups) as rows, (select count(*) from system_rollups) as "systemRows"`,
  );

  // 2. 90 days of roll-ups of `queryChecks` checks: per hour and per day two rows (the two
  // shards a node's two transaction slots write), 120 results an hour in all, each row with a
  // histogram 21 buckets wide (≈ 40–100 ms).
  const load = loadAverage();
  log(`writing 90 days of roll-ups for ${queryChecks} checks (load average ${load})`);
  const histogram = `[40:60]={${Array.from({ length: 21 }, (_, index) => 1 + ((index * 7) % 11)).join(',')}}`;
  const hourEnd = Math.floor(now / HOUR_MS) * HOUR_MS;
  const fillStarted = performance.now();
  for (let first = 0; first < queryChecks; first += 100) {
    await db.query(
      `insert into check_rollups (check_id, grain, bucket_start, shard, results, failures, latency_histogram)
       select 'q-' || c, 'hour', h, shard, 60, (c + shard + extract(hour from h)::int) % 2, ?::integer[]
       from generate_series(?::int, ?::int) c, generate_series(to_timestamp(? / 1000.0), to_timestamp(? / 1000.0), interval '1 hour') h, generate_series(0, 1) shard`,
      [histogram, first, Math.min(queryChecks, first + 100) - 1, hourEnd - 90 * DAY_MS, hourEnd],
    );
  }
  await db.query(
    `insert into check_rollups (check_id, grain, bucket_start, shard, results, failures, latency_histogram)
     select 'q-' || c, 'day', d, shard, 1440, (c + shard) % 7, ?::integer[]
     from generate_series(0, ? - 1) c, generate_series(to_timestamp(? / 1000.0), to_timestamp(? / 1000.0), interval '1 day') d, generate_series(0, 1) shard`,
    [histogram.replace(/\d+(?=[,}])/g, (count) => String(Number(count) * 24)), queryChecks, dayStartOf(now) - 90 * DAY_MS, dayStartOf(now) - DAY_MS],
  );
  // Folded up to today, as in production: today is read as the sum of its hours.
  await db.query('update history_rollup_folds set hours_folded_until = to_timestamp(? / 1000.0), days_folded_until = to_timestamp(? / 1000.0)', [hourEnd, dayStartOf(now)]);
  const expected90Days = 89 * 2880 + 120 * ((hourEnd - dayStartOf(now)) / HOUR_MS + 1);
  await db.query('vacuum analyze check_rollups');
  const fillSeconds = (performance.now() - fillStarted) / 1000;
  const reader = new CheckHistoryReader(queries, () => now);
  for (let warm = 0; warm < 50; warm++) await reader.uptime('check', `q-${warm % queryChecks}`);
  const queryLoad = loadAverage();
  const times: number[] = [];
  const queryStarted = performance.now();
  for (let c = 0; c < queryChecks; c++) {
    const started = performance.now();
    const windows = await reader.uptime('check', `q-${c}`);
    times.push(performance.now() - started);
    if (windows[3]!.results !== expected90Days) throw new Error(`check q-${c}: ${windows[3]!.results} results in 90 days, not ${expected90Days}`);
  }
  const querySeconds = (performance.now() - queryStarted) / 1000;
  times.sort((a, b) => a - b);
  const uptime = { checks: queryChecks, p50Ms: +quantile(times, 0.5).toFixed(2), p99Ms: +quantile(times, 0.99).toFixed(2), maxMs: +times.at(-1)!.toFixed(2), allChecksSeconds: +querySeconds.toFixed(2), loadAverage: queryLoad, rollupFillSeconds: +fillSeconds.toFixed(1) };

  // 3. Three writers at once (three nodes) recording results of the same 200 systems: each
  // with its own roll-up shards (as nodes are: `shardBaseOf(nodeId)`), then all on the same
  // shards (as without sharding), alternated three times: rows per second over the three.
  const contention: Record<'ownShards' | 'sameShards', number[]> = { ownShards: [], sameShards: [] };
  await foldsBack(dayStartOf(now)); // today's results: the usual path
  const contentionLoad = loadAverage();
  log(`three writers on the same systems (load average ${contentionLoad})`);
  const writerDbs = await Promise.all([0, 1, 2].map(() => Database.open({ url: database.url, dataDir: '/tmp', poolSize: 4 })));
  try {
    for (let round = 0; round < 6; round++) {
      const mode = round % 2 === 0 ? 'ownShards' : 'sameShards';
      const writers = writerDbs.map((writerDb, index) => new CheckHistoryWriter({ store: new CheckHistoryStore(writerDb), partitions: new CheckHistoryPartitions(writerDb), log: logger, clock: () => now, rawRetentionMs: 14 * DAY_MS, shardBase: mode === 'ownShards' ? index * 5 : 0 }));
      const perWriter = 40_000;
      const started = performance.now();
      await Promise.all(writers.map(async (writer, index) => {
        let n = 0;
        await Promise.all(Array.from({ length: 300 }, async () => {
          while (n < perWriter) {
            const batch: CheckHistoryRecord[] = [];
            for (let k = 0; k < 5 && n < perWriter; k++, n++) batch.push({ checkId: `r${round}-w${index}-c${n % 3_000}`, systemId: `contended-${n % 200}`, source: 'eu-west-1', resultId: `${round}-${index}-${n}`, executedAt: dayStartOf(now) + n, success: true, latencyMs: 50 + (n % 40) });
            await writer.record(batch);
          }
        }));
      }));
      contention[mode].push(Math.round((3 * perWriter) / ((performance.now() - started) / 1000)));
    }
  } finally {
    await Promise.all(writerDbs.map((writerDb) => writerDb.close()));
  }

  const report = {
    written,
    contention: { ...contention, loadAverage: contentionLoad },
    rollups: {
      checkRows: Number(rollupSize!.rows),
      bytesPerCheckRollup: Math.round(Number(rollupSize!.checks) / Number(rollupSize!.rows)),
      systemRows: Number(rollupSize!.systemRows),
      bytesPerSystemRollup: Math.round(Number(rollupSize!.systems) / Number(rollupSize!.systemRows)),
    },
    resultPages: pages,
    fold,
    uptime,
  };
  console.log(JSON.stringify(report));
  console.log('\n| mix | results | bytes per result (heap + index) | written/s through the writer | CPU per result: PostgreSQL / writer | load average |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const row of written) {
    console.log(`| ${row.mix} | ${row.rows} | **${row.bytesPerResult} B** (${row.heapBytesPerResult} + ${row.indexBytesPerResult}) | ${row.resultsPerSecond}/s | ${row.postgresCpuMicrosPerResult} µs / ${row.writerCpuMicrosPerResult} µs | ${row.loadAverage} |`);
  }
  console.log(`\nroll-ups, compacted (VACUUM FULL): ${report.rollups.bytesPerCheckRollup} B per check roll-up row (${report.rollups.checkRows} rows), ${report.rollups.bytesPerSystemRollup} B per system roll-up row (${report.rollups.systemRows})`);
  console.log(`\na page of 50 results of one check (${rowsPerMix / 2_000} per check that day): p50 ${pages.all!.p50Ms} ms, p99 ${pages.all!.p99Ms} ms; its failures only: p50 ${pages.failures!.p50Ms} ms, p99 ${pages.failures!.p99Ms} ms`);
  console.log(`\nfold of ${fold.days} days (2,000 checks, 1,000 systems): ${fold.seconds} s (load average ${fold.loadAverage})`);
  console.log(`\nthree writers on the same 200 systems, rows/s: own roll-up shards ${contention.ownShards.join(', ')}; the same shards ${contention.sameShards.join(', ')} (load average ${contentionLoad})`);
  console.log(`\nuptime of one check (24h, 7d, 30d, 90d from 90 days of roll-ups), ${queryChecks} checks one after another: p50 **${uptime.p50Ms} ms**, p99 **${uptime.p99Ms} ms**, max ${uptime.maxMs} ms; all ${queryChecks} in ${uptime.allChecksSeconds} s (load average ${queryLoad})`);
} catch (error) {
  log(`failed: ${(error as Error).stack}`);
  process.exitCode = 1;
} finally {
  await db.close();
  await database.drop();
}
