import type { Database } from './database.ts';

/** One day of one system's uptime: milliseconds with a known health status, and of those, not unhealthy. */
export interface UptimeDayRow {
  systemId: string;
  /** 0 = the window's first (oldest) day. */
  day: number;
  upMs: number;
  knownMs: number;
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

export const DAY_MS = 86_400_000;

/**
 * A health transition that starts a status: the first one of a system, or one whose status differs
 * from the one before. Written the same way in the partial index
 * `entity_transitions_health_status_changes_idx` (migration 20261206010000): the planner uses the
 * index only when the query repeats its predicate.
 */
const HEALTH_STATUS_CHANGE = `t.kind = 'health' and (t.version = 1 or (t.prev->>'status') is distinct from (t.next->>'status'))`;

/** The overlap of the systems' status segments with each UTC day, summed per (system, day). */
const UPTIME_SQL = `
with params as (select ?::bigint as from_ms, ?::bigint as to_ms),
shown as (select value as id from jsonb_array_elements_text(?::jsonb)),
opening as (
  -- the status in force when the window opens: the last change before it
  select s.id, p.from_ms as at, 0 as version, b.status
  from shown s cross join params p
  cross join lateral (
    select t.next->>'status' as status from entity_transitions t
    where ${HEALTH_STATUS_CHANGE} and t.id = s.id and t.at < p.from_ms
    order by t.at desc limit 1
  ) b
),
inside as (
  select t.id, t.at, t.version, t.next->>'status' as status
  from entity_transitions t join shown s on t.id = s.id cross join params p
  where ${HEALTH_STATUS_CHANGE} and t.at >= p.from_ms and t.at < p.to_ms
),
points as (
  select id, at, version, status from opening
  union all
  select id, at, version, status from inside
),
segments as (
  select id, status, at as starts,
    coalesce(lead(at) over (partition by id order by at, version), (select to_ms from params)) as ends
  from points
  where status is not null
),
days as (
  select d, p.from_ms + d * ${DAY_MS}::bigint as day_start, least(p.from_ms + (d + 1) * ${DAY_MS}::bigint, p.to_ms) as day_end
  from params p cross join generate_series(0, ?::int - 1) as d
),
pieces as (
  select s.id, d.d, s.status, least(s.ends, d.day_end) - greatest(s.starts, d.day_start) as ms
  from segments s join days d on s.starts < d.day_end and s.ends > d.day_start
)
select id, d as day,
  coalesce(sum(ms) filter (where status <> 'unhealthy'), 0) as up_ms,
  sum(ms) as known_ms
from pieces
group by id, d
order by id, d`;

/** `state->'systemIds'` (or another id array) shares an element with the bound JSON list. */
const touches = (field: string) => `exists (select 1 from jsonb_array_elements_text(state->'${field}') x where x.value in (select value from jsonb_array_elements_text(?::jsonb)))`;

/**
 * Reads what the public status page shows, and only that: the configured groups, their systems,
 * the systems' health and per-day uptime, the incidents and maintenance touching them. Each part
 * is one statement; together they are not one snapshot (a change committed in between may show in
 * one part and not yet in another, which the next refresh settles).
 *
 * Uptime is computed in SQL from the health status changes (the partial index of status-changing
 * health transitions, so neither the rows of steady results nor older history are read): each
 * change starts a segment that lasts until the next change (or `toMs`); a segment's overlap with a
 * UTC day is known time, and up time unless its status is `unhealthy`. Rejects with
 * `PersistenceError` when the database refuses or cannot be reached.
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
      this.db.query<{ id: string; day: number; up_ms: string | number; known_ms: string | number }>(UPTIME_SQL, [input.fromMs, input.toMs, shown, input.days]),
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
      uptime: uptime.map((row) => ({ systemId: String(row.id), day: Number(row.day), upMs: Number(row.up_ms), knownMs: Number(row.known_ms) })),
      incidents: incidents.map((row) => row.state),
      maintenance: maintenance.map((row) => row.state),
    };
  }
}
