import type { Database } from './database.ts';
import { conditionSql, type StateCondition } from './state-query.ts';

export type HealthFilter = 'healthy' | 'degraded' | 'unhealthy' | 'unknown';

export interface SystemQuery {
  /** Only these ids (the primary key). */
  ids?: readonly string[];
  where: readonly StateCondition[];
  /** Keep systems whose health is one of these (`unknown`: no health yet). */
  health?: readonly HealthFilter[];
  /** `name`: by name; `health`: worst first (unhealthy, degraded, unknown, healthy), then by name. */
  sort: 'name' | 'health';
  after?: ReadonlyArray<string | number | null>;
  limit: number;
}

export interface SystemRow {
  id: string;
  version: number;
  state: Record<string, unknown>;
  updatedAt: number;
  health: { state: Record<string, unknown>; updatedAt: number } | null;
  position: Array<string | number | null>;
}

/** Worst first; a system without a health entity yet sorts between degraded and healthy. */
const healthRank = `(case h.state->>'status' when 'unhealthy' then 0 when 'degraded' then 1 when 'healthy' then 3 else 2 end)`;

/**
 * Systems with their health (the `health` entity of the same id) in one query, keyset-paged by
 * name (the `system_name` index) or by health rank then name. Sorting by health ranks every
 * system: a scan of the systems, measured in bench/queries.bench.ts.
 */
export class SystemQueries {
  constructor(private readonly db: Database) {}

  async page(query: SystemQuery): Promise<{ rows: SystemRow[]; more: boolean }> {
    const conditions = ["s.kind = 'system'", 's.state is not null'];
    const params: unknown[] = [];
    if (query.ids !== undefined) {
      conditions.push(query.ids.length > 0 ? `s.id in (${query.ids.map(() => '?').join(', ')})` : 'false');
      params.push(...query.ids);
    }
    for (const condition of query.where) {
      const { sql, params: values } = conditionSql(condition, 's.');
      conditions.push(sql);
      params.push(...values);
    }
    if (query.health !== undefined) {
      const known = query.health.filter((status) => status !== 'unknown');
      const alternatives = known.length > 0 ? [`h.state->>'status' in (${known.map(() => '?').join(', ')})`] : [];
      if (query.health.includes('unknown')) alternatives.push('h.state is null');
      conditions.push(`(${alternatives.join(' or ')})`);
      params.push(...known);
    }
    const keys = query.sort === 'health' ? [healthRank, `(s.state->>'name')`, 's.id'] : [`(s.state->>'name')`, 's.id'];
    if (query.after !== undefined) {
      conditions.push(`(${keys.join(', ')}) > (${keys.map(() => '?').join(', ')})`);
      params.push(...query.after);
    }
    const rows = await this.db.query<Record<string, unknown>>(
      `select s.id, s.version, s.state, s.updated_at, h.state as health_state, h.updated_at as health_updated_at, ${healthRank} as health_rank, (s.state->>'name') as name ` +
        `from entity_state s left join entity_state h on h.kind = 'health' and h.id = s.id ` +
        `where ${conditions.join(' and ')} order by ${keys.join(', ')} limit ?`,
      [...params, query.limit + 1],
    );
    return {
      rows: rows.slice(0, query.limit).map((row) => ({
        id: String(row.id),
        version: Number(row.version),
        state: row.state as Record<string, unknown>,
        updatedAt: Number(row.updated_at),
        health: row.health_state ? { state: row.health_state as Record<string, unknown>, updatedAt: Number(row.health_updated_at) } : null,
        position: query.sort === 'health' ? [Number(row.health_rank), String(row.name), String(row.id)] : [String(row.name), String(row.id)],
      })),
      more: rows.length > query.limit,
    };
  }
}
