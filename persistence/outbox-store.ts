import type { Database } from './database.ts';

export interface OutboxRow {
  id: number;
  kind: string;
  entityId: string;
  version: number;
  payload: Record<string, unknown>;
  /** `payload` as JSON text, when the writer still has it (saves serialising it again to publish). */
  payloadJson?: string;
}

/** The entity change (machines/entity-change.ts) rebuilt from its `entity_transitions` row `t`. */
const changeFromTransition = `jsonb_build_object('kind', t.kind, 'id', t.id, 'version', t.version,
  'prev', coalesce(t.prev, 'null'::jsonb), 'next', coalesce(t.next, 'null'::jsonb), 'changedFields', t.changed_fields,
  'stateValue', t.state_value, 'at', t.at, 'cause', t.cause)`;

/**
 * The transactional outbox, read side. Rows are claimed with `FOR UPDATE SKIP LOCKED` — never
 * with an `id > lastId` cursor, because ids are taken before commit and transactions become
 * visible out of id order (a cursor would skip a slow transaction's rows forever). Several
 * relays (one per node) claim disjoint sets.
 */
export class OutboxStore {
  constructor(private readonly db: Database) {}

  /**
   * Claims up to `limit` unpublished rows (committed before `createdBefore`, epoch ms, if given),
   * hands them to `publish`, and deletes them only if `publish` resolved (i.e. JetStream
   * acknowledged every one). If `publish` rejects, the claim is released and the rows stay for
   * the next attempt. Resolves with the number published.
   */
  async relay(limit: number, publish: (rows: OutboxRow[]) => Promise<void>, createdBefore = Number.MAX_SAFE_INTEGER): Promise<number> {
    return this.db.transaction(async (transaction) => {
      const claimed = await this.db.query<Record<string, unknown>>(
        `select o.id, o.kind, o.entity_id, o.version, coalesce(o.payload, ${changeFromTransition}) as payload
         from outbox o left join entity_transitions t on t.kind = o.kind and t.id = o.entity_id and t.version = o.version
         where o.created_at < ? order by o.id limit ? for update of o skip locked`,
        [createdBefore, limit],
        transaction,
      );
      if (claimed.length === 0) return 0;
      const rows: OutboxRow[] = claimed.map((row) => ({
        id: Number(row.id),
        kind: String(row.kind),
        entityId: String(row.entity_id),
        version: Number(row.version),
        payload: row.payload as Record<string, unknown>,
      }));
      await publish(rows);
      await this.db.query(
        `delete from outbox where id in (${rows.map(() => '?').join(', ')})`,
        rows.map((row) => row.id),
        transaction,
      );
      return rows.length;
    });
  }

  /**
   * Deletes rows that were published (JetStream acknowledged them). Used by the committing
   * node's fast path; a row already claimed and deleted by a relay is simply gone.
   */
  async delete(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(`delete from outbox where id in (${ids.map(() => '?').join(', ')})`, ids);
  }

  /**
   * Rows committed but not yet acknowledged by JetStream, and the commit stamp (`at`, epoch ms on
   * the cluster's clock) of the oldest, null when there is none. One scan of the outbox, which is
   * near empty while NATS is reachable.
   */
  async backlogStats(): Promise<{ rows: number; oldestAt: number | null }> {
    const [row] = await this.db.query<{ count: string | number; oldest: string | number | null }>('select count(*) as count, min(created_at) as oldest from outbox');
    return { rows: Number(row?.count ?? 0), oldestAt: row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest) };
  }

  /** Rows committed but not yet acknowledged by JetStream. */
  async backlog(): Promise<number> {
    const [row] = await this.db.query<{ count: string | number }>('select count(*) as count from outbox');
    return Number(row?.count ?? 0);
  }
}
