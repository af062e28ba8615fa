import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckHistoryMaintenance, CheckHistoryReader, CheckHistoryWriter, type CheckHistoryRecord } from '../../history/index.ts';
import { createLogger } from '../../node/index.ts';
import { CheckHistoryFolds, CheckHistoryPartitions, CheckHistoryQueries, CheckHistoryStore, Database, DAY_MS, dayStartOf } from '../../persistence/index.ts';

// The embedded database (PGlite, PostgreSQL compiled to WebAssembly) runs the same migration and
// SQL: partitions attached and dropped under an advisory lock, unnest of array literals, plpgsql,
// roll-ups summed on read before their fold and folded after.
let folder: string;
let db: Database;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'vigil-history-'));
  db = await Database.open({ dataDir: folder });
  await db.migrate();
});

afterAll(async () => {
  await db?.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('check history on the embedded database', () => {
  it('stores, de-duplicates, rolls up, reads back and applies retention', async () => {
    const now = Date.now();
    const log = createLogger('test', 'silent');
    const partitions = new CheckHistoryPartitions(db);
    const maintenance = new CheckHistoryMaintenance({ partitions, folds: new CheckHistoryFolds(db), log, clock: () => now, retention: { rawMs: 3 * DAY_MS, hourlyMs: 2 * DAY_MS, dailyMs: 30 * DAY_MS } });
    expect((await maintenance.runOnce()).created).toHaveLength(5); // yesterday, today, 3 ahead
    // Nothing folded for a week: results add to their check's hours only, and reads sum those.
    const weekAgo = dayStartOf(now) - 7 * DAY_MS;
    await db.query('update history_rollup_folds set hours_folded_until = to_timestamp(? / 1000.0), days_folded_until = to_timestamp(? / 1000.0)', [weekAgo, weekAgo]);
    const writer = new CheckHistoryWriter({ store: new CheckHistoryStore(db), partitions, log, clock: () => now, rawRetentionMs: 14 * DAY_MS });
    const result = (n: number, agoMs: number, success: boolean): CheckHistoryRecord => ({
      checkId: 'c1', systemId: 's1', source: 'sat-1', resultId: `r${n}`, executedAt: now - agoMs, success, latencyMs: 100 + n,
      ...(success ? { timings: { dnsMs: 1.25, totalMs: 100 + n }, measured: { body: 'a,"b"}\\' } } : { error: { kind: 'tls' as const, message: 'certificate "expired" \\ 2026', code: 'CERT_HAS_EXPIRED' } }),
    });
    // Five days ago has no partition yet: made on demand.
    expect(await writer.record([result(1, 60_000, true), result(2, 120_000, false), result(3, 5 * DAY_MS, true), result(1, 60_000, true)])).toEqual({ stored: 3, duplicates: 1, skipped: 0 });
    expect(await writer.record([result(2, 120_000, false), result(4, 180_000, true)])).toEqual({ stored: 1, duplicates: 1, skipped: 0 });

    const queries = new CheckHistoryQueries(db);
    const page = await queries.results({ checkId: 'c1', limit: 10 });
    expect(page.rows.map((row) => row.resultId)).toEqual(['r1', 'r2', 'r4', 'r3']);
    expect(page.rows[0]).toMatchObject({ success: true, latencyMs: 101, timings: { dnsMs: 1.25, totalMs: 101 }, measured: { body: 'a,"b"}\\' } });
    expect(page.rows[1]).toMatchObject({ success: false, errorKind: 'tls', errorMessage: 'certificate "expired" \\ 2026', errorCode: 'CERT_HAS_EXPIRED' });
    const reader = new CheckHistoryReader(queries, () => now);
    const unfolded = { system: await reader.uptime('system', 's1'), check: await reader.uptime('check', 'c1') };
    expect(unfolded.system[0]).toMatchObject({ window: '24h', results: 3, failures: 1 });
    expect(unfolded.system[3]).toMatchObject({ window: '90d', results: 4, failures: 1 });
    expect(Number((await db.query<{ n: string }>('select count(*) as n from system_rollups'))[0]!.n)).toBe(0);

    // Retention, after the fold: the day five days ago goes; today's rows and roll-ups stay.
    const { dropped, folded } = await maintenance.runOnce();
    expect(folded.days).toEqual({ from: weekAgo, to: dayStartOf(now) });
    expect(dropped).toHaveLength(1);
    expect(await reader.uptime('system', 's1')).toEqual(unfolded.system);
    expect((await queries.results({ checkId: 'c1', limit: 10 })).rows.map((row) => row.resultId)).toEqual(['r1', 'r2', 'r4']);
    expect((await new CheckHistoryReader(queries, () => now).uptime('check', 'c1'))[3]).toMatchObject({ window: '90d', results: 4, failures: 1 });
  });
});
