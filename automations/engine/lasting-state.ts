import type { FiredTrigger, LastingState } from '../../machines/index.ts';
import type { Database } from '../../persistence/index.ts';

/** Transitions read per query while scanning an episode. */
const SCAN_BATCH = 500;

/** The change at which an entity left the state an event announced. */
export interface Departure {
  version: number;
  at: number;
}

/**
 * Did the state `trigger` announced hold in every change of its source entity after the one that
 * fired it? Answered from the stored transitions, not from whatever messages happened to arrive:
 * a departure and return between two looks is still seen, so a `for:` never fires for an episode
 * that was interrupted. Returns the first change where it did not hold (null: held throughout, up
 * to `untilVersion` when given).
 */
export async function findDeparture(database: Database, lasting: LastingState, trigger: FiredTrigger, untilVersion = 2_147_483_647): Promise<Departure | null> {
  const { kind, id } = trigger.source;
  let after = trigger.source.version;
  for (;;) {
    const rows = await database.query<{ version: number | string; next: Record<string, unknown> | null; at: number | string }>(
      'select version, next, at from entity_transitions where kind = ? and id = ? and version > ? and version <= ? order by version limit ?',
      [kind, id, after, untilVersion, SCAN_BATCH],
    );
    for (const row of rows) {
      if (!lasting.holds(trigger.payload, row.next)) return { version: Number(row.version), at: Number(row.at) };
    }
    if (rows.length < SCAN_BATCH) return null;
    after = Number(rows[rows.length - 1]!.version);
  }
}
