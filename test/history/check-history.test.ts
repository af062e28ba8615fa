import pg from 'pg';
import WebSocket from 'ws';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckHistoryMaintenance, CheckHistoryWriter, type CheckHistoryRecord, LATENCY_RELATIVE_ERROR } from '../../history/index.ts';
import { createLogger } from '../../node/index.ts';
import { CheckHistoryFolds, CheckHistoryPartitions, CheckHistoryStore, DAY_MS, HOUR_MS, ROLLUP_FOLD_LOCK_KEY, SatelliteCredentialStore } from '../../persistence/index.ts';
import { SATELLITE_PATH } from '../../protocol/satellite-protocol.ts';
import { useTestNode } from '../support/fixtures.ts';
import { authorization } from '../support/isolation.ts';
import { waitFor } from '../support/stream-reader.ts';
import { seededRandom as random } from '../support/seeded-random.ts';

const fixture = useTestNode();
const get = async (path: string) => {
  const response = await fetch(`http://127.0.0.1:${fixture.node.http.port}${path}`, { headers: authorization() });
  return { status: response.status, body: (await response.json()) as any };
};
const dayOf = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
const hourOf = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;

const CHECKS = [
  { checkId: 'web-http', systemId: 'web', sources: ['sat-a', 'sat-b'] },
  { checkId: 'web-tls', systemId: 'web', sources: ['sat-a'] },
  { checkId: 'db-tcp', systemId: 'db', sources: ['sat-b', 'push'] },
];

/** A week of results (today, UTC, and the six days before), every 7 minutes per check and source, about 4 % failures. */
function weekOfResults(now: number): CheckHistoryRecord[] {
  const next = random(13);
  const results: CheckHistoryRecord[] = [];
  for (const { checkId, systemId, sources } of CHECKS) {
    for (const source of sources) {
      for (let at = dayOf(now) - 6 * DAY_MS + 11_000; at < now - 60_000; at += 7 * 60_000) {
        const success = next() > 0.04;
        // Log-normal around 80 ms, now and then seconds; push results have no latency.
        const latencyMs = source === 'push' ? null : Math.round(Math.exp(Math.log(80) + 0.9 * Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next())));
        results.push({
          checkId, systemId, source, resultId: `${checkId}:${at}:${source}`, executedAt: at, success, latencyMs,
          ...(success ? { timings: { dnsMs: 1.5, connectMs: 4, totalMs: latencyMs ?? 0 } } : next() > 0.5
            ? { error: { kind: 'timeout', message: 'no answer within 10000 ms' } }
            : { detail: 'HTTP 503, expected 200' }),
        });
      }
    }
  }
  return results;
}

/** Exact figures of some results: counts, uptime, nearest-rank percentiles of the successes' latencies. */
function exact(results: CheckHistoryRecord[]) {
  const latencies = results.filter((result) => result.success && result.latencyMs != null).map((result) => result.latencyMs!).sort((a, b) => a - b);
  const rank = (q: number) => (latencies.length === 0 ? null : latencies[Math.max(1, Math.ceil(q * latencies.length)) - 1]!);
  const failures = results.filter((result) => !result.success).length;
  return { results: results.length, failures, uptime: results.length === 0 ? null : (100 * (results.length - failures)) / results.length, p50: rank(0.5), p95: rank(0.95), p99: rank(0.99) };
}

/** The API's summary matches the exact one: counts and uptime exactly, percentiles within the sketch's error. */
function expectSummary(actual: Record<string, number | null>, expected: ReturnType<typeof exact>, where: string) {
  expect({ results: actual.results, failures: actual.failures }, where).toEqual({ results: expected.results, failures: expected.failures });
  expect(actual.uptime, where).toBeCloseTo(expected.uptime!, 9);
  for (const q of ['p50', 'p95', 'p99'] as const) {
    const truth = expected[q]!;
    // Within ±5 % above 1 ms; at or below 1 ms the sketch reads 1 ms.
    expect(Math.abs(actual[q]! - Math.max(truth, 1)), `${where} ${q}: ${actual[q]} vs ${truth}`).toBeLessThanOrEqual(Math.max(truth, 1) * LATENCY_RELATIVE_ERROR + 1e-9);
  }
}

let now: number;
let week: CheckHistoryRecord[];

beforeAll(async () => {
  // The tests fold when they choose to: the node's own fold (30 s after each hour) would move the
  // watermarks under them if they ran across an hour.
  await fixture.node.history.maintenance.stop();
  now = Date.now();
  week = weekOfResults(now);
});

describe('check history', () => {
  it('stores a week of results once each, duplicates skipped and not counted', async () => {
    const writer = fixture.node.history.writer!;
    // Another node's writer, adding into other roll-up shards of the same buckets.
    const db = fixture.node.database;
    // Nothing folded since the week began: every result adds to its check's hour only, and the
    // next test reads the other roll-ups as sums of those (a later one folds them).
    await db.query('update history_rollup_folds set hours_folded_until = to_timestamp(? / 1000.0), days_folded_until = to_timestamp(? / 1000.0)', [dayOf(now) - 6 * DAY_MS, dayOf(now) - 6 * DAY_MS]);
    const other = new CheckHistoryWriter({ store: new CheckHistoryStore(db), partitions: new CheckHistoryPartitions(db), log: createLogger('other', 'silent'), clock: Date.now, rawRetentionMs: 14 * DAY_MS, shardBase: 9 });
    // In calls of 500, concurrently, as the gateway's batches of many systems arrive.
    const calls = [];
    for (let start = 0; start < week.length; start += 500) calls.push((start % 1000 === 0 ? writer : other).record(week.slice(start, start + 500)));
    const outcomes = await Promise.all(calls);
    expect(outcomes.reduce((sum, outcome) => sum + outcome.stored, 0)).toBe(week.length);
    // Sent again (a satellite retry, another node) and twice within one call: stored once.
    expect(await writer.record(week.slice(0, 300))).toEqual({ stored: 0, duplicates: 300, skipped: 0 });
    expect(await writer.record([week[400]!, { ...week[400]!, resultId: 'other-id' }])).toEqual({ stored: 0, duplicates: 2, skipped: 0 });
    // Outside what history keeps: before the raw retention (14 days) or a day ahead.
    expect(await writer.record([{ ...week[0]!, executedAt: now - 20 * DAY_MS }, { ...week[0]!, executedAt: now + 2 * DAY_MS }])).toEqual({ stored: 0, duplicates: 0, skipped: 2 });
    const [{ count }] = (await fixture.node.database.query<{ count: string }>('select count(*) from check_results')) as [{ count: string }];
    expect(Number(count)).toBe(week.length);
    const [{ shards }] = (await db.query<{ shards: string }>(`select count(distinct shard) as shards from check_rollups where check_id = 'web-http' and grain = 'hour'`)) as [{ shards: string }];
    expect(Number(shards)).toBeGreaterThan(1);
    const derived = await db.query<{ n: string }>(`select (select count(*) from check_rollups where grain = 'day') + (select count(*) from system_rollups) as n`);
    expect(Number(derived[0]!.n)).toBe(0);
  });

  it('rolls up per check and system, per hour and day, to the exact counts and uptime and percentiles within the sketch error', async () => {
    for (const { checkId } of CHECKS) {
      const mine = week.filter((result) => result.checkId === checkId);
      const days = await get(`/checks/${checkId}/series?bucket=day&since=${dayOf(now) - 6 * DAY_MS}`);
      expect(days.body.points).toHaveLength(7);
      for (const point of days.body.points) {
        const expected = exact(mine.filter((result) => dayOf(result.executedAt) === point.at));
        if (checkId === 'db-tcp') expect(point.results).toBe(expected.results); // its push half has no latency
        else expectSummary(point, expected, `${checkId} day ${new Date(point.at).toISOString()}`);
      }
      const hours = await get(`/checks/${checkId}/series?bucket=hour&since=${dayOf(now) - 6 * DAY_MS}&until=${now}`);
      expect(hours.body.points.map((point: { at: number; results: number; failures: number }) => [point.at, point.results, point.failures])).toEqual(
        [...new Set(mine.map((result) => hourOf(result.executedAt)))].map((hour) => {
          const inHour = mine.filter((result) => hourOf(result.executedAt) === hour);
          return [hour, inHour.length, inHour.filter((result) => !result.success).length];
        }),
      );
    }
    // A system's roll-ups hold all its checks' results.
    const uptime = await get('/systems/web/uptime');
    expect(uptime.body.windows.map((window: { window: string }) => window.window)).toEqual(['24h', '7d', '30d', '90d']);
    for (const window of uptime.body.windows) {
      expectSummary(window, exact(week.filter((result) => result.systemId === 'web' && result.executedAt >= window.since)), `web ${window.window}`);
    }
    const check = await get('/checks/web-tls/uptime');
    expectSummary(check.body.windows[0], exact(week.filter((result) => result.checkId === 'web-tls' && result.executedAt >= check.body.windows[0].since)), 'web-tls 24h');
    // A check or system without history answers empty, not 404.
    expect((await get('/checks/nothing/uptime')).body.windows[3]).toEqual({ window: '90d', since: expect.any(Number), results: 0, failures: 0, uptime: null, p50: null, p95: null, p99: null });
    expect((await get('/systems/nothing/series?bucket=day')).body).toEqual({ bucket: 'day', points: [] });
    expect((await get('/systems/web/series?since=5&until=4')).status).toBe(400);
  });

  it('pages a check\'s results newest first, with their cause and timings, filtered by time and status', async () => {
    const mine = week.filter((result) => result.checkId === 'web-http');
    const seen: Array<{ executedAt: number; source: string }> = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Array<{ executedAt: number; source: string }>; next: string | null } } = await get(`/checks/web-http/results?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.body.items);
      cursor = page.body.next;
    } while (cursor);
    expect(seen.map((item) => `${item.executedAt}/${item.source}`)).toEqual(
      [...mine].sort((a, b) => b.executedAt - a.executedAt || (a.source < b.source ? 1 : -1)).map((result) => `${result.executedAt}/${result.source}`),
    );
    const failures = await get(`/checks/web-http/results?status=down&since=${dayOf(now) - DAY_MS}&limit=500`);
    const expected = mine.filter((result) => !result.success && result.executedAt >= dayOf(now) - DAY_MS).sort((a, b) => b.executedAt - a.executedAt || (a.source < b.source ? 1 : -1));
    expect(failures.body.items.map((item: { resultId: string }) => item.resultId)).toEqual(expected.map((result) => result.resultId));
    for (const [index, item] of failures.body.items.entries()) {
      const sent = expected[index]!;
      // A failure without `error` (older agents) keeps its detail as the message, with no kind.
      expect(item.error).toEqual(sent.error ? { kind: 'timeout', message: 'no answer within 10000 ms', code: null } : { kind: null, message: 'HTTP 503, expected 200', code: null });
      expect(item.status).toBe('down');
    }
    const [success] = (await get(`/checks/web-http/results?status=up&limit=1`)).body.items;
    expect(success).toMatchObject({ status: 'up', error: null, timings: { dnsMs: 1.5, connectMs: 4, totalMs: success.latencyMs }, measured: null });
    expect((await get('/checks/web-http/results?cursor=bm9wZQ')).status).toBe(400);
  });

  it('folds ended hours and days into the same figures, from several nodes at once; a late result then counts once in every roll-up', async () => {
    const db = fixture.node.database;
    const since = dayOf(now) - 6 * DAY_MS;
    const paths = [
      ...CHECKS.flatMap(({ checkId }) => [`/checks/${checkId}/series?bucket=day&since=${since}`, `/checks/${checkId}/series?bucket=hour&since=${since}&until=${now}`]),
      ...['web', 'db'].flatMap((system) => [`/systems/${system}/series?bucket=day&since=${since}`, `/systems/${system}/series?bucket=hour&since=${since}&until=${now}`]),
    ];
    const read = async () => Promise.all(paths.map(async (path) => (await get(path)).body));
    const unfolded = await read();
    // Two nodes fold at once: one folds, the other finds nothing left. Meanwhile results of the
    // days being folded keep coming (a check of its own): each is in the folded figures once,
    // whether it committed before the fold, waited for it, or came after it.
    const racing: CheckHistoryRecord[] = Array.from({ length: 600 }, (_, n) => ({
      checkId: 'race-check', systemId: 'race', source: 'sat-r', resultId: `race-${n}`, executedAt: since + ((n * 7_919_993) % (now - since - 60_000)), success: n % 5 !== 0, latencyMs: 10 + n,
    }));
    const record = (from: number, to: number) => Promise.all(Array.from({ length: (to - from) / 30 }, (_, k) => fixture.node.history.writer!.record(racing.slice(from + k * 30, from + k * 30 + 30))));
    const before = await record(0, 300);
    // A slow write holds the fold lock: both folds wait for it, and the writes that come now wait behind them.
    const slowWrite = new pg.Client({ connectionString: fixture.databaseUrl });
    await slowWrite.connect();
    await slowWrite.query('begin');
    await slowWrite.query('select pg_advisory_xact_lock_shared($1)', [ROLLUP_FOLD_LOCK_KEY]);
    const waiting = async () => Number((await db.query<{ n: string }>(`select count(*) as n from pg_locks where locktype = 'advisory' and not granted`))[0]!.n);
    const folds = Promise.all([new CheckHistoryFolds(db).fold(now), new CheckHistoryFolds(db).fold(now)]);
    await waitFor(async () => (await waiting()) === 2 || undefined, 10_000, 'both folds waiting');
    const after = record(300, 600);
    await waitFor(async () => (await waiting()) > 2 || undefined, 10_000, 'writes waiting behind the folds');
    await slowWrite.query('commit');
    await slowWrite.end();
    const [first, second] = await folds;
    expect([...before, ...(await after)].reduce((sum, outcome) => sum + outcome.stored, 0)).toBe(600);
    const folded = [first, second].find((report) => report.days.to > report.days.from)!;
    expect(folded).toEqual({ hours: { from: since, to: hourOf(now) }, days: { from: since, to: dayOf(now) } });
    expect([first, second].filter((report) => report.hours.to > report.hours.from)).toHaveLength(1);
    const totals = async (path: string) => ((await get(path)).body.points as Array<{ results: number; failures: number }>).reduce((sum, point) => [sum[0]! + point.results, sum[1]! + point.failures], [0, 0]);
    for (const path of [`/checks/race-check/series?bucket=day&since=${since}`, `/systems/race/series?bucket=day&since=${since}`, `/systems/race/series?bucket=hour&since=${since}&until=${now}`]) {
      expect(await totals(path), path).toEqual([600, 120]);
    }
    await db.query(`delete from check_rollups where check_id = 'race-check'`);
    await db.query(`delete from system_rollups where system_id = 'race'`);
    expect(await new CheckHistoryFolds(db).current()).toEqual({ hours: hourOf(now), days: dayOf(now) });
    const rows = await db.query<{ table: string; grain: string; n: string }>(
      `select 'check' as table, grain, count(*) as n from check_rollups group by grain union all select 'system', grain, count(*) from system_rollups group by grain order by 1, 2`,
    );
    // Days before today per check (3 × 6) and per system (2 × 6); hours before this one per system.
    expect(rows.map((row) => [row.table, row.grain, Number(row.n)])).toEqual([
      ['check', 'day', 18],
      ['check', 'hour', expect.any(Number)],
      ['system', 'day', 12],
      ['system', 'hour', new Set(week.filter((result) => result.executedAt < hourOf(now)).map((result) => `${result.systemId}@${hourOf(result.executedAt)}`)).size],
    ]);
    // The same figures, read from folded rows.
    expect(await read()).toEqual(unfolded);

    // A late result, yesterday (a satellite back after a day offline): its hour and day are folded,
    // so it adds to the check's day and the system's hour and day itself, once.
    const yesterday = dayOf(now) - DAY_MS + 5 * HOUR_MS + 17_000;
    const late: CheckHistoryRecord = { checkId: 'web-tls', systemId: 'web', source: 'sat-a', resultId: 'late', executedAt: yesterday, success: false, latencyMs: 10, error: { kind: 'tls', message: 'expired' } };
    expect(await fixture.node.history.writer!.record([late])).toEqual({ stored: 1, duplicates: 0, skipped: 0 });
    week.push(late);
    const point = async (path: string, at: number) => ((await get(path)).body.points as Array<{ at: number; results: number; failures: number }>).find((entry) => entry.at === at);
    const inBucket = (filter: (result: CheckHistoryRecord) => boolean) => {
      const mine = week.filter(filter);
      return { results: mine.length, failures: mine.filter((result) => !result.success).length };
    };
    expect(await point(`/checks/web-tls/series?bucket=day&since=${since}`, dayOf(yesterday))).toMatchObject(inBucket((result) => result.checkId === 'web-tls' && dayOf(result.executedAt) === dayOf(yesterday)));
    expect(await point(`/systems/web/series?bucket=day&since=${since}`, dayOf(yesterday))).toMatchObject(inBucket((result) => result.systemId === 'web' && dayOf(result.executedAt) === dayOf(yesterday)));
    expect(await point(`/systems/web/series?bucket=hour&since=${since}&until=${now}`, hourOf(yesterday))).toMatchObject(inBucket((result) => result.systemId === 'web' && hourOf(result.executedAt) === hourOf(yesterday)));
    // Folding again changes nothing.
    const settled = await read();
    expect(await new CheckHistoryFolds(db).fold(now)).toEqual({ hours: { from: hourOf(now), to: hourOf(now) }, days: { from: dayOf(now), to: dayOf(now) } });
    expect(await read()).toEqual(settled);
  });

  it('drops whole days past the raw retention and roll-ups past their own, from several nodes at once, nothing else', async () => {
    const db = fixture.node.database;
    const countsByDay = async () =>
      new Map((await db.query<{ day: string; n: string }>(`select (extract(epoch from date_trunc('day', executed_at at time zone 'UTC')) * 1000)::bigint as day, count(*) as n from check_results group by 1`)).map((row) => [Number(row.day), Number(row.n)]));
    const before = await countsByDay();
    const rollups = async (grain: string) => Number((await db.query<{ n: string }>(`select count(*) as n from check_rollups where grain = ?`, [grain]))[0]!.n);
    const hourlyBefore = await rollups('hour');
    const retention = { rawMs: 3 * DAY_MS, hourlyMs: 2 * DAY_MS, dailyMs: 5 * DAY_MS };
    const maintenance = () => new CheckHistoryMaintenance({ partitions: new CheckHistoryPartitions(db), folds: new CheckHistoryFolds(db), log: createLogger('test', 'silent'), clock: () => now, retention });
    const [first, second] = await Promise.all([maintenance().runOnce(), maintenance().runOnce()]);
    const dropped = [...first.dropped, ...second.dropped].sort();
    // Each day once, by one of the two: the days that ended at least 3 days ago.
    expect(dropped).toEqual([...before.keys()].filter((day) => day + DAY_MS <= now - retention.rawMs).sort());
    const after = await countsByDay();
    expect([...after.entries()].sort()).toEqual([...before.entries()].filter(([day]) => !dropped.includes(day)).sort());
    // Hourly roll-ups of the last 2 days and daily ones of the last 5 remain; nothing else of theirs went.
    const hourlyKept = await rollups('hour');
    expect(hourlyKept).toBeLessThan(hourlyBefore);
    expect(Number((await db.query<{ n: string }>(`select count(*) as n from check_rollups where grain = 'hour' and bucket_start < to_timestamp(? / 1000.0)`, [now - retention.hourlyMs]))[0]!.n)).toBe(0);
    expect((await get(`/checks/web-http/series?bucket=day&since=${dayOf(now) - 6 * DAY_MS}`)).body.points.map((point: { at: number }) => point.at)).toEqual(
      [0, 1, 2, 3, 4, 5].map((back) => dayOf(now) - (5 - back) * DAY_MS).filter((day) => day >= now - retention.dailyMs),
    );
    // The roll-ups of kept days did not move: the 24h window still counts what it counted.
    expectSummary((await get('/checks/web-tls/uptime')).body.windows[0], exact(week.filter((result) => result.checkId === 'web-tls' && result.executedAt >= hourOf(now) - 23 * HOUR_MS)), 'web-tls 24h after retention');
    // A late result of a dropped day (the node's own retention is 14 days) gets its partition back.
    const late = { ...week[0]!, executedAt: dropped[0]! + 5_000, resultId: 'late' };
    expect(await fixture.node.history.writer!.record([late])).toEqual({ stored: 1, duplicates: 0, skipped: 0 });
  });

  it('stores a satellite result through the gateway with its cause, and acknowledges it only once stored', async () => {
    const { token } = await new SatelliteCredentialStore(fixture.node.database).issue('sat-e2e');
    await fixture.node.router.dispatch('system', 'api', { type: 'create', name: 'API' });
    await fixture.node.router.dispatch('satellite', 'sat-e2e', { type: 'register', name: 'E2E', region: 'eu' });
    await fixture.node.router.dispatch('check', 'api-http', { type: 'create', systemId: 'api', strategy: { kind: 'http', url: 'http://api.test/' }, satelliteIds: ['sat-e2e'] });
    const ws = new WebSocket(`ws://127.0.0.1:${fixture.node.http.port}${SATELLITE_PATH}`, { headers: { authorization: `Bearer ${token}` } });
    const frames: Array<{ type: string; resultIds?: string[] }> = [];
    ws.on('message', (data) => frames.push(JSON.parse(String(data))));
    await waitFor(() => frames.some((frame) => frame.type === 'authenticated'), 10_000, 'authenticated');
    const acked = (resultId: string) => frames.some((frame) => frame.type === 'results_acked' && frame.resultIds!.includes(resultId));
    const executedAt = Date.now() - 1_000;
    const failure = {
      type: 'result', resultId: 'e2e-1', checkId: 'api-http', systemId: 'api', status: 'down', latencyMs: 31, executedAt, detail: 'connect ECONNREFUSED 10.0.0.7:443',
      error: { kind: 'connect', message: 'connect ECONNREFUSED 10.0.0.7:443', code: 'ECONNREFUSED' }, timings: { dnsMs: 2.25, connectMs: 28 }, measured: { attempt: 1 },
    };

    // Hold the roll-ups: the history transaction cannot commit while health can.
    const blocker = new pg.Client({ connectionString: fixture.databaseUrl });
    await blocker.connect();
    await blocker.query('begin');
    await blocker.query('lock table check_rollups in exclusive mode');
    ws.send(JSON.stringify(failure));
    await waitFor(async () => {
      const checks = ((await fixture.node.runtime.get('health', 'api')).state as { checks?: Record<string, { lastResultAt?: number }> } | null)?.checks ?? {};
      return Object.values(checks).some((check) => check.lastResultAt === executedAt);
    }, 10_000, 'health committed the result');
    expect(acked('e2e-1')).toBe(false);
    await blocker.query('commit');
    await blocker.end();
    await waitFor(() => acked('e2e-1'), 10_000, 'acknowledged once history committed');

    // Sent again (its ack lost): acknowledged again, stored and counted once.
    ws.send(JSON.stringify(failure));
    await waitFor(() => frames.filter((frame) => frame.type === 'results_acked').length >= 2, 10_000, 'the repeat acknowledged');
    ws.send(JSON.stringify({ type: 'result', resultId: 'e2e-2', checkId: 'api-http', systemId: 'api', status: 'down', latencyMs: 5, executedAt: executedAt + 1, detail: 'HTTP 500, expected 200' }));
    await waitFor(() => acked('e2e-2'), 10_000, 'an old agent\'s failure acknowledged');
    ws.close();

    const { body } = await get('/checks/api-http/results');
    expect(body.items).toEqual([
      expect.objectContaining({ resultId: 'e2e-2', source: 'sat-e2e', status: 'down', latencyMs: 5, error: { kind: null, message: 'HTTP 500, expected 200', code: null }, timings: null }),
      { checkId: 'api-http', systemId: 'api', source: 'sat-e2e', resultId: 'e2e-1', executedAt, status: 'down', latencyMs: 31, error: failure.error, timings: failure.timings, measured: { attempt: 1 } },
    ]);
    expect((await get('/checks/api-http/uptime')).body.windows[0]).toMatchObject({ results: 2, failures: 2, uptime: 0, p50: null });
  });
});
