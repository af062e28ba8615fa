import type { Database } from './database.ts';

export interface DueTimer {
  kind: string;
  entityId: string;
  partition: number;
  name: string;
  dueAt: number;
  event: { type: string; dueAt: number };
}

/** Durable timers, read side (they are written with the transition that sets them). */
export class TimerStore {
  constructor(private readonly db: Database) {}

  /** Timers of `partitions` whose due time is at or before `now` (epoch ms), earliest first. */
  async due(now: number, limit: number, partitions: readonly number[]): Promise<DueTimer[]> {
    if (partitions.length === 0) return [];
    const rows = await this.db.query<Record<string, unknown>>(
      `select kind, entity_id, partition, name, due_at, event from entity_timers
       where partition in (${partitions.map(() => '?').join(', ')}) and due_at <= ? order by due_at limit ?`,
      [...partitions, now, limit],
    );
    return rows.map((row) => ({
      kind: String(row.kind),
      entityId: String(row.entity_id),
      partition: Number(row.partition),
      name: String(row.name),
      dueAt: Number(row.due_at),
      event: row.event as DueTimer['event'],
    }));
  }

  /**
   * Deletes a timer only if it still has this due time (a newer transition may have moved it).
   * Used when a fired timer turned out to change nothing, so it does not fire again.
   */
  async deleteIfUnchanged(timer: Pick<DueTimer, 'kind' | 'entityId' | 'name' | 'dueAt'>): Promise<void> {
    await this.db.query('delete from entity_timers where kind = ? and entity_id = ? and name = ? and due_at = ?', [
      timer.kind,
      timer.entityId,
      timer.name,
      timer.dueAt,
    ]);
  }

  async count(): Promise<number> {
    const [row] = await this.db.query<{ count: string | number }>('select count(*) as count from entity_timers');
    return Number(row?.count ?? 0);
  }
}
