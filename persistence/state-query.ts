import type { Database } from './database.ts';

/**
 * A condition on a top-level field of an entity's stored state (`entity_state.state`). Field
 * names come from code, never from a request; values are always bound parameters.
 */
export type StateCondition =
  | { field: string; equals: string | number | boolean }
  | { field: string; oneOf: readonly string[] }
  | { field: string; notEquals: string }
  /** The array field holds this text (`systemIds` holds "api"). */
  | { field: string; includes: string }
  | { field: string; atLeast: number }
  | { field: string; atMost: number }
  /** Case-insensitive substring of a text field. */
  | { field: string; containsText: string }
  /** The array field has at least one element. */
  | { field: string; nonEmpty: true };

/** An order key: a state field read as text or as a number; `id` breaks ties. */
export interface StateOrderKey {
  field: string;
  type: 'text' | 'number';
}

export interface StateQuery {
  kind: string;
  /** Only these ids (the primary key). */
  ids?: readonly string[];
  where: readonly StateCondition[];
  /** The keys and one direction for all of them (and for the `id` tie-break). */
  order: { keys: readonly StateOrderKey[]; direction: 'asc' | 'desc' };
  /** The sort values of the last row of the previous page: one per key, then its id. */
  after?: ReadonlyArray<string | number | null>;
  limit: number;
}

export interface StateRow {
  kind: string;
  id: string;
  version: number;
  state: Record<string, unknown>;
  stateValue: unknown;
  updatedAt: number;
  /** The row's sort values, keys then id: the next page's `after`. */
  position: Array<string | number | null>;
}

const fieldPattern = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/**
 * The SQL expression of a state field, written the way the expression indexes of the query
 * routes are (migration `query_indexes`), so that PostgreSQL can use them.
 */
export function fieldExpression(key: StateOrderKey, table = ''): string {
  if (!fieldPattern.test(key.field)) throw new Error(`not a state field name: ${key.field}`);
  const state = `${table}state`;
  return key.type === 'number' ? `((${state}->>'${key.field}')::float8)` : `(${state}->>'${key.field}')`;
}

/**
 * The condition's SQL and parameters. `includes` uses jsonb containment (`@>`), which a GIN index
 * on the array field serves.
 */
export function conditionSql(condition: StateCondition, table = ''): { sql: string; params: unknown[] } {
  const state = `${table}state`;
  if ('includes' in condition) {
    if (!fieldPattern.test(condition.field)) throw new Error(`not a state field name: ${condition.field}`);
    return { sql: `(${state}->'${condition.field}') @> ?::jsonb`, params: [JSON.stringify([condition.includes])] };
  }
  if ('nonEmpty' in condition) {
    if (!fieldPattern.test(condition.field)) throw new Error(`not a state field name: ${condition.field}`);
    return { sql: `jsonb_array_length(${state}->'${condition.field}') > 0`, params: [] };
  }
  if ('atLeast' in condition) return { sql: `${fieldExpression({ field: condition.field, type: 'number' }, table)} >= ?`, params: [condition.atLeast] };
  if ('atMost' in condition) return { sql: `${fieldExpression({ field: condition.field, type: 'number' }, table)} <= ?`, params: [condition.atMost] };
  const text = fieldExpression({ field: condition.field, type: 'text' }, table);
  if ('equals' in condition) return { sql: `${text} = ?`, params: [String(condition.equals)] };
  if ('notEquals' in condition) return { sql: `${text} <> ?`, params: [condition.notEquals] };
  if ('oneOf' in condition) {
    // One value: `=`, so a partial or expression index on the field is used as for an equality.
    if (condition.oneOf.length === 1) return { sql: `${text} = ?`, params: [condition.oneOf[0]] };
    return { sql: `${text} in (${condition.oneOf.map(() => '?').join(', ')})`, params: [...condition.oneOf] };
  }
  return { sql: `${text} ilike ? escape '\\'`, params: [`%${condition.containsText.replace(/[\\%_]/g, (character) => `\\${character}`)}%`] };
}

/**
 * Keyset-paged reads of live entities of one kind filtered and ordered by state fields: a page
 * continues after the previous page's last row (`(keys…, id) > (after…)`), so it costs the same
 * however deep it is, and rows committed meanwhile neither repeat nor vanish across pages.
 */
export class StateQueries {
  constructor(private readonly db: Database) {}

  async page(query: StateQuery): Promise<{ rows: StateRow[]; more: boolean }> {
    // The kind is written into the SQL (it comes from code) so the per-kind partial indexes apply.
    if (!/^[a-z_]{1,32}$/.test(query.kind)) throw new Error(`not an entity kind: ${query.kind}`);
    const conditions = [`kind = '${query.kind}'`, 'state is not null'];
    const params: unknown[] = [];
    if (query.ids !== undefined) {
      conditions.push(query.ids.length > 0 ? `id in (${query.ids.map(() => '?').join(', ')})` : 'false');
      params.push(...query.ids);
    }
    for (const condition of query.where) {
      const { sql, params: values } = conditionSql(condition);
      conditions.push(sql);
      params.push(...values);
    }
    const keys = query.order.keys.map((key) => fieldExpression(key));
    const direction = query.order.direction;
    if (query.after !== undefined) {
      conditions.push(`(${[...keys, 'id'].join(', ')}) ${direction === 'asc' ? '>' : '<'} (${query.after.map(() => '?').join(', ')})`);
      params.push(...query.after);
    }
    const selected = keys.map((key, index) => `${key} as k${index}`);
    const rows = await this.db.query<Record<string, unknown>>(
      `select kind, id, version, state, state_value, updated_at${selected.length > 0 ? `, ${selected.join(', ')}` : ''} from entity_state ` +
        `where ${conditions.join(' and ')} order by ${[...keys, 'id'].map((key) => `${key} ${direction}`).join(', ')} limit ?`,
      [...params, query.limit + 1],
    );
    return {
      rows: rows.slice(0, query.limit).map((row) => ({
        ...liveEntityOf(row),
        position: [...query.order.keys.map((key, index) => sortValue(row[`k${index}`], key.type)), String(row.id)],
      })),
      more: rows.length > query.limit,
    };
  }

  /** Live entities of `kind` with these ids (any order; missing ones left out). */
  async byIds(kind: string, ids: readonly string[]): Promise<Map<string, { version: number; state: Record<string, unknown>; updatedAt: number }>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.query<Record<string, unknown>>(
      `select id, version, state, updated_at from entity_state where kind = ? and id in (${ids.map(() => '?').join(', ')}) and state is not null`,
      [kind, ...ids],
    );
    return new Map(rows.map((row) => [String(row.id), { version: Number(row.version), state: row.state as Record<string, unknown>, updatedAt: Number(row.updated_at) }]));
  }
}

/** A live `entity_state` row (`kind, id, version, state, state_value, updated_at`) as the query layer hands it on. */
export function liveEntityOf(row: Record<string, unknown>): Omit<StateRow, 'position'> {
  return {
    kind: String(row.kind),
    id: String(row.id),
    version: Number(row.version),
    state: row.state as Record<string, unknown>,
    stateValue: row.state_value,
    updatedAt: Number(row.updated_at),
  };
}

function sortValue(value: unknown, type: StateOrderKey['type']): string | number | null {
  if (value === null || value === undefined) return null;
  return type === 'number' ? Number(value) : String(value);
}
