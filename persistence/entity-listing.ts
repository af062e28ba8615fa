import type { Database } from './database.ts';
import { liveEntityOf } from './state-query.ts';

/** One page of `list`: entities in id order, and the cursor of the next page (null: no more). */
export interface EntityPage {
  items: Array<{ kind: string; id: string; version: number; state: Record<string, unknown>; stateValue: unknown; updatedAt: number }>;
  next: string | null;
}

export interface EntityListQuery {
  kind: string;
  /** Only ids after this one (the previous page's `next`). */
  after?: string;
  /** At most this many (1-1000). */
  limit: number;
  /**
   * `id` (default): id order, paged with `after`. `recent`: the most recently changed first, one
   * page only (no `next`).
   */
  order?: 'id' | 'recent';
  /** Top-level state fields that must equal these texts (e.g. `{ automationId: 'x' }`). Names are checked by the caller. */
  where?: Record<string, string>;
}

/**
 * Lists live entities of one kind (deleted ones, whose state is null, are left out) in id order,
 * a page at a time, by keyset (`id > after`) on the `(kind, id)` primary key, so a page costs the
 * same however deep it is.
 */
export class EntityListing {
  constructor(private readonly db: Database) {}

  async list(query: EntityListQuery): Promise<EntityPage> {
    const conditions = ['kind = ?', 'state is not null'];
    const params: unknown[] = [query.kind];
    if (query.after !== undefined) {
      conditions.push('id > ?');
      params.push(query.after);
    }
    for (const [field, value] of Object.entries(query.where ?? {})) {
      conditions.push('state->>? = ?');
      params.push(field, value);
    }
    const recent = query.order === 'recent';
    const rows = await this.db.query<Record<string, unknown>>(
      `select kind, id, version, state, state_value, updated_at from entity_state where ${conditions.join(' and ')} order by ${recent ? 'updated_at desc, id desc' : 'id'} limit ?`,
      [...params, query.limit + 1],
    );
    const items = rows.slice(0, query.limit).map(liveEntityOf);
    return { items, next: !recent && rows.length > query.limit ? (items.at(-1)?.id ?? null) : null };
  }
}
