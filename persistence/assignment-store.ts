import type { Database } from './database.ts';

/** A check assigned to a satellite, read from the check entities' stored state. */
export interface StoredAssignment {
  checkId: string;
  systemId: string;
  strategy: Record<string, unknown>;
  intervalMs: number;
}

/**
 * Which checks each satellite runs: the active checks whose `satelliteIds` name it. Push checks
 * are never assigned (the check machine refuses satellites for them; excluded here as well).
 */
export class AssignmentStore {
  constructor(private readonly db: Database) {}

  async assignmentsFor(satelliteId: string): Promise<StoredAssignment[]> {
    const rows = await this.db.query<{ id: string; state: { systemId: string; strategy: Record<string, unknown>; intervalMs: number } }>(
      `select id, state from entity_state where kind = 'check' and state is not null and state->'satelliteIds' @> ?::jsonb
       and state->'strategy'->>'kind' <> 'push' order by id`,
      [JSON.stringify([satelliteId])],
    );
    return rows.map((row) => ({ checkId: row.id, systemId: row.state.systemId, strategy: row.state.strategy, intervalMs: row.state.intervalMs }));
  }
}
