import { completeRollupsQuery } from './check-history-query.ts';
import { DAY_MS } from './check-history-tables.ts';
import type { Database } from './database.ts';

/** One UTC day of one system's uptime, from its daily check-history roll-up: results, and of those, passed. */
export interface UptimeDayRow {
  systemId: string;
  /** 0 = the window's first (oldest) day. */
  day: number;
  passed: number;
  results: number;
}

/** What the public status page is built from (gateway/status-page.ts turns it into the document). */
export interface StatusPageRows {
  groups: Array<{ id: string; name: string }>;
  systems: Array<{ id: string; name: string; groupIds: string[] }>;
  /** Current health status of those systems that have a health entity. */
  health: Array<{ systemId: string; status: string }>;
  /** Only days with some known time; a day absent here had no data. */
  uptime: UptimeDayRow[];
  incidents: Array<{
    id: string;
    title: string;
    status: string;
    severity: string;
    systemIds: string[];
    createdAt: number;
    resolvedAt: number | null;
    updates: Array<{ message: string; statusChange?: { from: string; to: string }; at: number }>;
  }>;
  maintenance: Array<{
    id: string;
    title: string;
    description: string;
    systemIds: string[];
    status: string;
    currentWindow: { startsAt: number; endsAt: number } | null;
    nextWindow: { startsAt: number; endsAt: number } | null;
  }>;
}

export interface StatusPageQueryInput {
  /** Groups to show (configured). */
  groupIds: string[];
  /** Epoch ms of the first day's start (UTC midnight). */
  fromMs: number;
  /** Epoch ms of the end of the window: now. */
  toMs: number;
  /** Number of days from `fromMs` (the last one ends at `toMs`). */
  days: number;
  /** Resolved incidents are shown when resolved at or after this (epoch ms). */
  resolvedSince: number;
  /** At most this many incidents and this many maintenances (newest first). */
  limit: number;
}


/**
 * The systems' daily roll-ups of the check history inside the window (`completeRollupsQuery`: the
 * folded days read by primary key, the days not folded yet summed from hours), their parts added
 * up: one row per system and UTC day with results.
 */
const SYSTEM_DAYS = completeRollupsQuery('system', 'day');
const UPTIME_SQL = `
select id, ((extract(epoch from bucket_start) * 1000)::bigint - ?::bigint) / ${DAY_MS}::bigint as day,
  sum(results - failures)::bigint as passed, sum(results)::bigint as results
from (${SYSTEM_DAYS.sql}) r
group by id, bucket_start
order by id, bucket_start`;

/** `state->'systemIds'` (or another id array) shares an element with the bound JSON list. */
const touches = (field: string) => `exists (select 1 from jsonb_array_elements_text(state->'${field}') x where x.value in (select value from jsonb_array_elements_text(?::jsonb)))`;

/**
 * Reads what the public status page shows, and only that: the configured groups, their systems,
 * the systems' health and per-day uptime, the incidents and maintenance touching them. Each part
 * is one statement; together they are not one snapshot (a change committed in between may show in
 * one part and not yet in another, which the next refresh settles).
 *
 * Uptime per UTC day is the share of the system's check results that passed that day, read from
 * the daily roll-ups the check history keeps as results are stored (never from the raw results).
 * Rejects with `PersistenceError` when the database refuses or cannot be reached.
 */
export class StatusPageQuery {
  constructor(private readonly db: Database) {}

  async read(input: StatusPageQueryInput): Promise<StatusPageRows> {
    const empty: StatusPageRows = { groups: [], systems: [], health: [], uptime: [], incidents: [], maintenance: [] };
    if (input.groupIds.length === 0) return empty;
    const groupRows = await this.db.query<{ id: string; name: string }>(
      `select id, state->>'name' as name from entity_state where kind = 'group' and state is not null and id in (select value from jsonb_array_elements_text(?::jsonb))`,
      [JSON.stringify(input.groupIds)],
    );
    if (groupRows.length === 0) return empty;
    const groups = groupRows.map((row) => ({ id: String(row.id), name: String(row.name) }));
    const systemRows = await this.db.query<{ id: string; name: string; group_ids: string[] }>(
      `select id, state->>'name' as name, state->'groupIds' as group_ids from entity_state where kind = 'system' and state is not null and ${touches('groupIds')}`,
      [JSON.stringify(groups.map((group) => group.id))],
    );
    const systems = systemRows.map((row) => ({ id: String(row.id), name: String(row.name), groupIds: row.group_ids.map(String) }));
    if (systems.length === 0) return { ...empty, groups };
    const shown = JSON.stringify(systems.map((system) => system.id));
    const [health, uptime, incidents, maintenance] = await Promise.all([
      this.db.query<{ id: string; status: string }>(
        `select id, state->>'status' as status from entity_state where kind = 'health' and id in (select value from jsonb_array_elements_text(?::jsonb))`,
        [shown],
      ),
      this.db.query<{ id: string; day: string | number; passed: number; results: number }>(UPTIME_SQL, [input.fromMs, ...SYSTEM_DAYS.parameters(systems.map((system) => system.id), input.fromMs, input.toMs)]),
      this.db.query<{ state: StatusPageRows['incidents'][number] }>(
        `select jsonb_build_object('id', id, 'title', state->'title', 'status', state->'status', 'severity', state->'severity',
           'systemIds', state->'systemIds', 'createdAt', state->'createdAt', 'resolvedAt', state->'resolvedAt', 'updates', state->'updates') as state
         from entity_state
         where kind = 'incident' and state is not null and (state->>'status' <> 'resolved' or (state->>'resolvedAt')::bigint >= ?) and ${touches('systemIds')}
         order by (state->>'createdAt')::bigint desc, id limit ?`,
        [input.resolvedSince, shown, input.limit],
      ),
      this.db.query<{ state: StatusPageRows['maintenance'][number] }>(
        `select jsonb_build_object('id', id, 'title', state->'title', 'description', state->'description', 'systemIds', state->'systemIds',
           'status', state->'status', 'currentWindow', state->'currentWindow', 'nextWindow', state->'nextWindow') as state
         from entity_state
         where kind = 'maintenance' and state is not null and state->>'status' in ('active', 'scheduled') and ${touches('systemIds')}
         order by id limit ?`,
        [shown, input.limit],
      ),
    ]);
    return {
      groups,
      systems,
      health: health.map((row) => ({ systemId: String(row.id), status: String(row.status) })),
      uptime: uptime.map((row) => ({ systemId: String(row.id), day: Number(row.day), passed: Number(row.passed), results: Number(row.results) })),
      incidents: incidents.map((row) => row.state),
      maintenance: maintenance.map((row) => row.state),
    };
  }
}
