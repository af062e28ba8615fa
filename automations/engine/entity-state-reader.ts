import type { EntityRuntime } from '../../actors/index.ts';
import { getEntityDefinition } from '../../machines/index.ts';
import type { Database } from '../../persistence/index.ts';
import { valueAtPath, type EntityView, type StateReader } from '../conditions/index.ts';

/** How far back `since` looks for the start of the current value (transitions). */
const SINCE_SCAN_LIMIT = 500;

/**
 * Fresh entity state for conditions and waits, read through the runtime (the owner's memory
 * when hot, else PostgreSQL) and the stored transitions.
 */
export class EntityStateReader implements StateReader {
  constructor(
    private readonly runtime: EntityRuntime,
    private readonly database: Database,
  ) {}

  async read(kind: string, id: string): Promise<EntityView> {
    if (!getEntityDefinition(kind)) return { kind, id, exists: false, state: null, stateValue: null, version: 0 };
    const view = await this.runtime.get(kind, id);
    return { kind, id, exists: view.state !== null, state: view.state, stateValue: view.stateValue, version: view.version };
  }

  /**
   * When the value at `path` (or the state value) became what it is now: the time of the oldest
   * transition of the newest run of transitions that all had this value.
   */
  async since(kind: string, id: string, path: string | undefined): Promise<number | null> {
    const rows = await this.database.query<{ next: unknown; state_value: unknown; at: string | number }>(
      'select next, state_value, at from entity_transitions where kind = ? and id = ? order by version desc limit ?',
      [kind, id, SINCE_SCAN_LIMIT],
    );
    if (rows.length === 0 || rows[0]!.next === null) return null;
    const pick = (row: (typeof rows)[number]) => JSON.stringify(path === undefined ? row.state_value : valueAtPath(row.next, path));
    const current = pick(rows[0]!);
    let since = Number(rows[0]!.at);
    for (const row of rows.slice(1)) {
      if (row.next === null || pick(row) !== current) break;
      since = Number(row.at);
    }
    return since;
  }

  /** A maintenance entity covering the system is in its `active` state. */
  async inMaintenance(systemId: string, _at: number): Promise<boolean> {
    const rows = await this.database.query<{ n: string | number }>(
      `select count(*) as n from entity_state where kind = 'maintenance' and state_value = '"active"'::jsonb and state->'systemIds' @> ?::jsonb`,
      [JSON.stringify([systemId])],
    );
    return Number(rows[0]?.n ?? 0) > 0;
  }
}
