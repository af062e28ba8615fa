import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommitBatcher, EntityRuntime } from '../../actors/index.ts';
import { Database, TransitionStore } from '../../persistence/index.ts';
import { useIsolation } from '../support/fixtures.ts';

/**
 * Placement routes each entity to one owner, but the storage layer must be safe on its own:
 * here two runtimes write the same entities with no placement and no lease (as two nodes would
 * during a split brain). Only the version check stands between them.
 */
const isolation = useIsolation();
let database: Database;
let first: EntityRuntime;
let second: EntityRuntime;

function bareRuntime(nodeId: string): EntityRuntime {
  const store = new TransitionStore(database, nodeId);
  const batcher = new CommitBatcher(store, () => undefined, () => undefined);
  return new EntityRuntime({ store, batcher, passivateAfterMs: 60_000 });
}

beforeAll(async () => {
  database = await Database.open({ url: isolation.databaseUrl, dataDir: '/tmp' });
  await database.migrate();
  first = bareRuntime('first');
  second = bareRuntime('second');
});

afterAll(async () => {
  await database.close();
});

describe('two writers without placement', () => {
  it('never lets a stale writer win: every dispatch commits exactly once, versions stay 1..n', async () => {
    await first.dispatch('system', 'contended', { type: 'create', name: 'c0' });
    const writes = Array.from({ length: 400 }, (_, index) =>
      (index % 2 === 0 ? first : second).dispatch('system', 'contended', { type: 'update', description: `write ${index}` }),
    );
    const changes = await Promise.all(writes);
    const versions = changes.map((change) => change!.version).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: 400 }, (_, index) => index + 2));
    const history = await first.history('system', 'contended', { limit: 1000 });
    expect(history.map((row) => row.version)).toEqual(Array.from({ length: 401 }, (_, index) => index + 1));
    // Each stored transition is the one its caller was told about.
    const byVersion = new Map(history.map((row) => [row.version, row.next]));
    for (const change of changes) expect(byVersion.get(change!.version)).toEqual(change!.next);
    // The two really did race: some commits lost the version check and were recomputed.
    expect(first.stats.conflicts + second.stats.conflicts).toBeGreaterThan(0);
  });

  it('never decides a no-op, a refusal or a read on a stale hot copy', async () => {
    await first.dispatch('system', 'shared', { type: 'create', name: 'A' });
    await second.dispatch('system', 'shared', { type: 'update', name: 'B' });
    // The first writer's hot copy still says "A": renaming to "A" is not a no-op.
    expect(await first.dispatch('system', 'shared', { type: 'update', name: 'A' })).toMatchObject({ version: 3, prev: { name: 'B' } });
    expect(await second.get('system', 'shared')).toMatchObject({ version: 3, state: { name: 'A' } });

    await first.dispatch('incident', 'shared-inc', { type: 'create', title: 't', severity: 'minor', systemIds: [] });
    await second.dispatch('incident', 'shared-inc', { type: 'resolve' });
    // Resolved elsewhere: reopening is allowed although this copy is still open.
    expect(await first.dispatch('incident', 'shared-inc', { type: 'reopen' })).toMatchObject({ version: 3, next: { status: 'investigating' } });
  });
});
