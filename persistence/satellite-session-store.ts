import type { Database } from './database.ts';

/** A satellite whose stored state says it is connected, and through which socket. */
export interface ConnectedSatellite {
  satelliteId: string;
  /** The node holding its socket, and the socket's session id (null: connected before sessions were recorded). */
  session: { node: string; id: string } | null;
}

/**
 * Reads which satellites the stored state says are connected (satellite machine v3 records the
 * node and session of each connection), so nodes can find sessions whose node is gone.
 */
export class SatelliteSessionStore {
  constructor(private readonly db: Database) {}

  /** Every satellite whose state is `connected: true`. One statement over the satellite rows (primary key range). */
  async connected(): Promise<ConnectedSatellite[]> {
    const rows = await this.db.query<{ id: string; session: { node?: unknown; id?: unknown } | null }>(
      `select id, state->'session' as session from entity_state where kind = 'satellite' and state is not null and state->>'connected' = 'true'`,
    );
    return rows.map((row) => ({
      satelliteId: row.id,
      session: row.session && typeof row.session.node === 'string' && typeof row.session.id === 'string' ? { node: row.session.node, id: row.session.id } : null,
    }));
  }
}
