import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityChange } from '../../machines/index.ts';
import { TransitionStore, type Database, type PendingCommit } from '../../persistence/index.ts';
import { migratedTestDatabase } from '../support/migrated-database.ts';

/**
 * The commit statement sends a state once, inside its change, and rebuilds the state row (and the
 * snapshot, when its context is that state) from it in SQL: what is stored must be exactly what
 * the runtime committed, whichever way it travelled.
 */
let database: Database;
let drop: () => Promise<void>;

beforeAll(async () => {
  ({ database, drop } = await migratedTestDatabase());
});

afterAll(() => drop());

/** A commit of `states` as consecutive transitions of one entity, ending in `snapshot`. */
function commitOf(id: string, baseVersion: number, states: Array<Record<string, unknown> | null>, snapshot: PendingCommit['snapshot']): PendingCommit {
  let prev: Record<string, unknown> | null = null;
  const transitions = states.map((next, index) => {
    const change: EntityChange = {
      kind: 'health',
      id,
      version: baseVersion + index + 1,
      prev,
      next,
      changedFields: ['checks'],
      stateValue: snapshot.value,
      at: 1_000 + index,
      cause: { event: 'check_results' },
    } as EntityChange;
    prev = next;
    return { change, event: { type: 'check_results', at: change.at } };
  });
  return { kind: 'health', id, partition: 0, baseVersion, transitions, snapshot, machineVersion: 1 };
}

async function stored(id: string) {
  const [row] = await database.query<{ version: number; state: unknown; state_value: unknown; snapshot: unknown }>(
    'select version, state, state_value, snapshot from entity_state where kind = ? and id = ?',
    ['health', id],
  );
  return row;
}

describe('the state and snapshot a commit stores', () => {
  const store = () => new TransitionStore(database, 'node-a');

  it('stores the last transition’s next as the state, and rebuilds the snapshot from it when its context is that state', async () => {
    const context = { systemId: 'sys-a', status: 'degraded', checks: { 'c1@s1': { status: 'degraded', consecutiveFailures: 2 } }, text: 'ünïcödé \u{1F680}' };
    const first = { ...context, status: 'healthy' };
    const last = { ...context };
    await store().commit([commitOf('sys-a', 0, [first, last], { value: 'degraded', context })]);
    const row = await stored('sys-a');
    expect(row).toEqual({ version: 2, state: last, state_value: 'degraded', snapshot: { value: 'degraded', context } });
    // The transitions keep each its own next.
    const transitions = await database.query<{ version: number; next: unknown }>(`select version, next from entity_transitions where kind = 'health' and id = 'sys-a' order by version`);
    expect(transitions).toEqual([
      { version: 1, next: first },
      { version: 2, next: last },
    ]);
  });

  it('stores the snapshot as sent when its context is not the state (an extra field, a deep copy, a null state)', async () => {
    const context = { systemId: 'sys-b', status: 'healthy', checks: {} };
    const cases: Array<[string, Record<string, unknown> | null, PendingCommit['snapshot']]> = [
      ['extra', { ...context, shownAs: 'healthy' }, { value: 'healthy', context }],
      ['deep', JSON.parse(JSON.stringify(context)) as Record<string, unknown>, { value: { nested: 'state' }, context }],
      ['null', null, { value: 'absent', context: { ...context, checks: { kept: true } } }],
    ];
    await store().commit(cases.map(([id, state, snapshot]) => commitOf(id, 0, [state], snapshot)));
    for (const [id, state, snapshot] of cases) {
      const row = await stored(id);
      expect(row, id).toEqual({ version: 1, state, state_value: snapshot.value, snapshot });
    }
  });

  it('updates an existing row the same way (version-fenced)', async () => {
    const context = { systemId: 'sys-c', status: 'healthy', checks: {} };
    await store().commit([commitOf('sys-c', 0, [{ ...context }], { value: 'healthy', context })]);
    const later = { ...context, status: 'unhealthy' };
    const outcome = await store().commit([commitOf('sys-c', 1, [{ ...later }], { value: 'unhealthy', context: later })]);
    expect(outcome.versionFenced.size).toBe(0);
    expect(await stored('sys-c')).toEqual({ version: 2, state: later, state_value: 'unhealthy', snapshot: { value: 'unhealthy', context: later } });
    // A stale writer (base version 1 again) writes nothing.
    const stale = await store().commit([commitOf('sys-c', 1, [{ ...context }], { value: 'healthy', context })]);
    expect([...stale.versionFenced]).toEqual(['health\u0000sys-c']);
    expect((await stored('sys-c'))!.version).toBe(2);
  });
});
