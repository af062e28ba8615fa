import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStatusPage, uptimeWindow } from '../../gateway/status-page.ts';
import { CheckHistoryWriter } from '../../history/index.ts';
import { createLogger } from '../../node/index.ts';
import { CheckHistoryPartitions, CheckHistoryStore, Database, StatusPageQuery } from '../../persistence/index.ts';
import { migratedTestDatabase } from '../support/migrated-database.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Noon UTC of the page's "today": the last day is half over. */
const now = Date.UTC(2026, 11, 6, 12);
const today = Date.UTC(2026, 11, 6);
/** Midnight (UTC) starting the day `back` days before today. */
const day = (back: number) => today - back * DAY;

/** One system's check results: [days before today, check, passed?] — the page reads them from the daily roll-ups. */
type Results = Array<[number, string, boolean]>;
const repeat = (count: number, result: [number, string, boolean]): Results => Array.from({ length: count }, () => result);

const results: Record<string, Results> = {
  // two checks: 5 of 10 failed two days ago; all passed yesterday and today
  half: [...repeat(3, [2, 'half-http', true]), ...repeat(2, [2, 'half-tcp', true]), ...repeat(5, [2, 'half-tcp', false]), [1, 'half-http', true], [1, 'half-tcp', true], [0, 'half-http', true]],
  // one failure in three: rounded down to 6 decimals
  third: [[3, 'third-http', true], [3, 'third-http', true], [3, 'third-http', false]],
  // today: half of what ran so far failed
  today: [[0, 'today-http', true], [0, 'today-http', false]],
  // the window's first day counts; the day before it is not on the page
  edge: [[89, 'edge-http', false], [90, 'edge-http', true]],
  // no results at all: every day null
  quiet: [],
};

async function store(db: Database): Promise<void> {
  const log = createLogger('test', 'silent');
  const writer = new CheckHistoryWriter({ store: new CheckHistoryStore(db), partitions: new CheckHistoryPartitions(db), log, clock: () => now, rawRetentionMs: 120 * DAY });
  const records = Object.entries(results).flatMap(([systemId, list]) =>
    // Spread over the day (an hour apart), so each (check, executedAt) is its own result.
    list.map(([back, checkId, success], index) => ({ checkId, systemId, source: 'sat-1', resultId: `${systemId}-${index}`, executedAt: day(back) + index * HOUR, success, latencyMs: 20 })),
  );
  expect(await writer.record(records)).toEqual({ stored: records.length, duplicates: 0, skipped: 0 });
  await writer.stop();
  for (const id of Object.keys(results)) {
    await db.query(
      `insert into entity_state (kind, id, version, state, state_value, snapshot, machine_version, updated_at) values ('system', ?, 1, ?::jsonb, '"active"', '{}', 1, 0)`,
      [id, JSON.stringify({ id, name: id, description: '', metadata: {}, groupIds: ['public'], createdAt: 0 })],
    );
  }
  await db.query(
    `insert into entity_state (kind, id, version, state, state_value, snapshot, machine_version, updated_at) values ('group', 'public', 1, '{"id":"public","name":"Public","metadata":{},"createdAt":0}', '"active"', '{}', 1, 0)`,
  );
}

/** The page's uptime of each system, as day offset from today (0 = today) → ratio, non-null days only. */
async function uptimeOf(db: Database): Promise<Record<string, Record<number, number>>> {
  const rows = await new StatusPageQuery(db).read({ groupIds: ['public'], ...uptimeWindow(now), resolvedSince: now - 7 * DAY, limit: 100 });
  const page = buildStatusPage(rows, { title: 'Status', groupIds: ['public'], now });
  const systems = page.groups[0]!.systems;
  return Object.fromEntries(
    systems.map((system) => {
      expect(system.uptime).toHaveLength(90);
      expect(system.uptime[0]!.day).toBe('2026-09-08');
      expect(system.uptime[89]!.day).toBe('2026-12-06');
      return [system.id, Object.fromEntries(system.uptime.flatMap((entry, index) => (entry.ratio === null ? [] : [[89 - index, entry.ratio]])))];
    }),
  );
}

const expected = {
  half: { 2: 0.5, 1: 1, 0: 1 },
  third: { 3: 0.666666 },
  today: { 0: 0.5 },
  edge: { 89: 0 },
  quiet: {},
};

function checkUptime(uptime: Record<string, Record<number, number>>): void {
  for (const [id, days] of Object.entries(expected)) expect(uptime[id], id).toEqual(days);
}

describe('status page uptime (PostgreSQL)', () => {
  let db: Database;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ database: db, drop } = await migratedTestDatabase());
    await store(db);
  });
  afterAll(() => drop());

  it("is each UTC day's share of the system's results that passed, from the daily roll-ups; days without results are null", async () => {
    checkUptime(await uptimeOf(db));
  });
});

describe('status page uptime (embedded PGlite)', () => {
  it('computes the same days', async () => {
    const db = await Database.open({ dataDir: mkdtempSync(join(tmpdir(), 'vigil-pglite-')) });
    try {
      await db.migrate();
      await store(db);
      checkUptime(await uptimeOf(db));
    } finally {
      await db.close();
    }
  });
});
