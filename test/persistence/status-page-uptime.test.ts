import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStatusPage, uptimeWindow } from '../../gateway/status-page.ts';
import { Database, StatusPageQuery } from '../../persistence/index.ts';
import { createTestDatabase } from '../support/isolation.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Noon UTC of the page's "today": the last day is half over. */
const now = Date.UTC(2026, 11, 6, 12);
const today = Date.UTC(2026, 11, 6);
/** Midnight (UTC) starting the day `back` days before today. */
const day = (back: number) => today - back * DAY;

/** One system's stored health history: [at, status] in version order, with steady repeats as real history has. */
type History = Array<[number, 'healthy' | 'degraded' | 'unhealthy']>;

const histories: Record<string, History> = {
  // healthy from 2 days ago 00:00, unhealthy 12:00-24:00 that day, healthy again after
  half: [[day(2), 'healthy'], [day(2) + 6 * HOUR, 'healthy'], [day(2) + 12 * HOUR, 'unhealthy'], [day(2) + 18 * HOUR, 'unhealthy'], [day(1), 'healthy']],
  // unhealthy from 18:00 two days ago until 06:00 yesterday: a quarter of each day
  midnight: [[day(3), 'healthy'], [day(2) + 18 * HOUR, 'unhealthy'], [day(1) + 6 * HOUR, 'healthy']],
  // degraded counts as up; only unhealthy is down
  degraded: [[day(1), 'degraded'], [day(1) + 12 * HOUR, 'healthy']],
  // today: healthy until 06:00, then unhealthy until now (12:00): half of the known part of today
  today: [[day(1), 'healthy'], [today + 6 * HOUR, 'unhealthy']],
  // its status before the window (200 days ago) carries into the window's first day
  old: [[day(200), 'unhealthy'], [day(200) + HOUR, 'healthy']],
  // first data mid-day: only the known part of that day counts
  late: [[day(1) + 18 * HOUR, 'unhealthy']],
};

async function store(db: Database): Promise<void> {
  for (const [id, history] of Object.entries(histories)) {
    let prev: string | null = null;
    for (const [index, [at, status]] of history.entries()) {
      await db.query(
        `insert into entity_transitions (kind, id, version, prev, next, changed_fields, state_value, event, cause, at)
         values ('health', ?, ?, ?::jsonb, ?::jsonb, '[]', ?::jsonb, '{"type":"check_result"}', '{"event":"check_result"}', ?)`,
        [id, index + 1, prev === null ? null : JSON.stringify({ systemId: id, status: prev }), JSON.stringify({ systemId: id, status }), JSON.stringify(status), at],
      );
      prev = status;
    }
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
  midnight: { 3: 1, 2: 0.75, 1: 0.75, 0: 1 },
  degraded: { 1: 1, 0: 1 },
  today: { 1: 1, 0: 0.5 },
  late: { 1: 0, 0: 0 },
};

function checkUptime(uptime: Record<string, Record<number, number>>): void {
  for (const [id, days] of Object.entries(expected)) expect(uptime[id], id).toEqual(days);
  // carried in from before the window: healthy on every one of the 90 days
  expect(Object.keys(uptime.old!)).toHaveLength(90);
  expect(new Set(Object.values(uptime.old!))).toEqual(new Set([1]));
}

describe('status page uptime (PostgreSQL)', () => {
  let database: { url: string; drop(): Promise<void> };
  let db: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = await Database.open({ url: database.url, dataDir: '/tmp' });
    await db.migrate();
    await store(db);
  });
  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  it('is the time-weighted fraction of each UTC day not unhealthy; days without data are null; today counts up to now', async () => {
    checkUptime(await uptimeOf(db));
  });

  it('reads the health status changes through their partial index', async () => {
    // With so few rows the planner may pick either; forbid the sequential scan to see the index is usable.
    await db.transaction(async (transaction) => {
      await db.query('set local enable_seqscan = off', [], transaction);
      const forced = await db.query<{ 'QUERY PLAN': string }>(
        `explain select at from entity_transitions t where t.kind = 'health' and (t.version = 1 or (t.prev->>'status') is distinct from (t.next->>'status')) and t.id = 'half' and t.at >= 0 and t.at < 1`,
        [],
        transaction,
      );
      expect(forced.map((row) => row['QUERY PLAN']).join('\n')).toContain('entity_transitions_health_status_changes_idx');
    });
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
