import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommitBatcher, CommitRejectedError, EntityRuntime, RuntimeError } from '../../actors/index.ts';
import type { EntityChange, SystemState } from '../../machines/index.ts';
import { Database, PersistenceError, TransitionStore, type CommitOutcome, type LeaseFence, type PendingCommit } from '../../persistence/index.ts';
import { migratedTestDatabase } from '../support/migrated-database.ts';
import { waitFor } from '../support/stream-reader.ts';

/**
 * A value PostgreSQL refuses (NUL, a lone surrogate, JSON too deep to encode) that got past the
 * schemas must fail only its own entity, never the others committed in the same group commit.
 * These tests skip the schemas on purpose (PendingCommits straight to the batcher, internal
 * events) against the real PostgreSQL, and against the embedded PGlite.
 */
let database: Database;
let url: string;
let drop: () => Promise<void>;

/** A real TransitionStore that remembers the size and entity ids of every batch it was asked to commit. */
class RecordingStore extends TransitionStore {
  readonly batches: string[][] = [];
  override commit(batch: PendingCommit[], fence?: LeaseFence): Promise<CommitOutcome> {
    this.batches.push(batch.map((item) => item.id));
    return super.commit(batch, fence);
  }
}

function deeplyNested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level++) value = { next: value };
  return value;
}

/** A system `create` (baseVersion 0) or `update` (baseVersion > 0) as the runtime would commit it. */
function systemCommit(id: string, baseVersion: number, name: string, metadata: Record<string, unknown> = {}): PendingCommit {
  const next: SystemState = { id, name, description: '', metadata, groupIds: [], createdAt: 1 };
  const prev = baseVersion === 0 ? null : { ...next, name: `${id} v${baseVersion}`, metadata: {} };
  const type = baseVersion === 0 ? 'create' : 'update';
  const change: EntityChange = {
    kind: 'system',
    id,
    version: baseVersion + 1,
    prev,
    next,
    changedFields: baseVersion === 0 ? Object.keys(next) : ['name', 'metadata'],
    stateValue: 'active',
    at: 1_000 + baseVersion,
    cause: { event: type },
  };
  return {
    kind: 'system',
    id,
    partition: 0,
    baseVersion,
    transitions: [{ change, event: { type, name, at: change.at } }],
    snapshot: { value: 'active', context: next as unknown as Record<string, unknown> },
    machineVersion: 1,
  };
}

beforeAll(async () => {
  ({ database, url, drop } = await migratedTestDatabase());
});

afterAll(() => drop());

describe('a poisoned item in a group commit (PostgreSQL)', () => {
  it('commits every healthy item with its version, rejects only the poisoned ones, which commit clean data afterwards', async () => {
    const store = new RecordingStore(database, 'node-a');
    const committed: string[] = [];
    const batcher = new CommitBatcher(store, (items) => committed.push(...items.map((item) => item.id)), () => undefined);
    // Half of the healthy entities exist already (their commit is a version-fenced update to v2).
    for (let index = 0; index < 50; index++) await batcher.submit(systemCommit(`old-${index}`, 0, `old-${index} v1`));
    committed.length = 0;
    store.batches.length = 0;

    const poisoned: Record<string, PendingCommit> = {
      'poison-nul': systemCommit('poison-nul', 0, 'Null\u0000byte'),
      'poison-surrogate': systemCommit('poison-surrogate', 0, 'ok', { note: 'half \ud83d' }),
      'poison-deep': systemCommit('poison-deep', 0, 'ok', { deep: deeplyNested(1_000_000) }),
    };
    const healthy: PendingCommit[] = [
      ...Array.from({ length: 50 }, (_, index) => systemCommit(`old-${index}`, 1, `renamed \u{1F680} ${index}`)),
      ...Array.from({ length: 50 }, (_, index) => systemCommit(`new-${index}`, 0, `new ${index}`)),
    ];
    // All submitted in one go: after the first two (committed alone, the batcher being idle), the
    // rest waits for the next transaction and shares it, poison included.
    const items = [...healthy];
    items.splice(10, 0, poisoned['poison-nul']!);
    items.splice(55, 0, poisoned['poison-surrogate']!);
    items.splice(90, 0, poisoned['poison-deep']!);
    const outcomes = await Promise.allSettled(items.map((item) => batcher.submit(item)));

    const shared = store.batches.find((batch) => Object.keys(poisoned).every((id) => batch.includes(id)));
    expect(shared, 'the poisoned items shared a transaction with healthy ones').toBeDefined();
    expect(shared!.length).toBeGreaterThan(90);

    const rejected = new Map<string, unknown>();
    items.forEach((item, index) => {
      const outcome = outcomes[index]!;
      if (outcome.status === 'rejected') rejected.set(item.id, outcome.reason);
    });
    expect([...rejected.keys()].sort()).toEqual(Object.keys(poisoned).sort());
    for (const reason of rejected.values()) {
      expect(reason).toBeInstanceOf(CommitRejectedError);
      expect((reason as CommitRejectedError).cause).toMatchObject({ code: 'DB_DATA_REJECTED' });
    }
    expect((rejected.get('poison-nul') as CommitRejectedError).cause.sqlState).toBe('22P05');
    expect((rejected.get('poison-surrogate') as CommitRejectedError).cause.sqlState).toBe('22P02');
    expect((rejected.get('poison-deep') as CommitRejectedError).cause.message).toMatch(/could not be encoded/);
    expect(committed.sort()).toEqual(healthy.map((item) => item.id).sort());

    const rows = await database.query<{ id: string; version: number; name: string }>(`select id, version, state->>'name' as name from entity_state where kind = 'system'`);
    const stored = new Map(rows.map((row) => [row.id, row]));
    for (const item of healthy) expect(stored.get(item.id), item.id).toMatchObject({ version: item.baseVersion + 1, name: item.transitions[0]!.change.next!.name });
    for (const id of Object.keys(poisoned)) expect(stored.has(id)).toBe(false);
    const count = async (sql: string) => Number((await database.query<{ n: string }>(sql))[0]!.n);
    expect(await count(`select count(*) as n from entity_transitions where id like 'poison-%'`)).toBe(0);
    expect(await count(`select count(*) as n from outbox where entity_id like 'new-%' or (entity_id like 'old-%' and version = 2)`)).toBe(100);

    for (const id of Object.keys(poisoned)) await batcher.submit(systemCommit(id, 0, `${id} clean`));
    expect((await store.load('system', 'poison-nul'))!.version).toBe(1);
  });
});

describe('an entity whose event the database refuses (PostgreSQL, through the runtime)', () => {
  let runtime: EntityRuntime;
  let store: RecordingStore;
  beforeAll(() => {
    store = new RecordingStore(database, 'node-b');
    runtime = new EntityRuntime({ store, batcher: new CommitBatcher(store, () => undefined, () => undefined), passivateAfterMs: 60_000 });
  });

  it('fails only its caller with INVALID_EVENT and keeps the actor unchanged, while bystanders commit', async () => {
    await runtime.dispatch('system', 'victim', { type: 'create', name: 'Victim' });
    for (let index = 0; index < 20; index++) await runtime.dispatch('system', `bystander-${index}`, { type: 'create', name: `b${index}` });
    store.batches.length = 0;
    const bystander = (index: number) => runtime.dispatch('system', `bystander-${index}`, { type: 'update', name: `b${index} \u{1F680}` });
    // Internal events skip the schema, as a runtime bug would: only the database stops this one.
    // Sent amid the others, it shares their group commit (the first two go alone).
    const before = Array.from({ length: 10 }, (_, index) => bystander(index));
    const poisoned = runtime.deliverInternal('system', 'victim', { type: 'update', name: 'Vic\u0000tim' } as { type: string });
    const bystanders = [...before, ...Array.from({ length: 10 }, (_, index) => bystander(10 + index))];
    const error = await poisoned.then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(RuntimeError);
    expect(error).toMatchObject({ code: 'INVALID_EVENT', details: { type: 'update', reason: 'DB_DATA_REJECTED', sqlState: '22P05' } });
    expect((error as Error).message).toMatch(/^system victim: the database refused to store event "update" \(.*unsupported Unicode escape sequence \(SQLSTATE 22P05\)\); nothing was committed$/);
    expect((await Promise.all(bystanders)).map((change) => change!.version)).toEqual(Array.from({ length: 20 }, () => 2));
    expect(store.batches.find((batch) => batch.includes('victim'))!.length).toBeGreaterThan(10);

    expect(await runtime.get('system', 'victim')).toMatchObject({ version: 1, state: { name: 'Victim' } });
    expect(await runtime.dispatch('system', 'victim', { type: 'update', name: 'Victim \u{1F680}' })).toMatchObject({ version: 2, next: { name: 'Victim \u{1F680}' } });
  });

  it('refuses an actor or run id PostgreSQL cannot store (they are stored in the change\'s cause)', async () => {
    await expect(runtime.dispatch('system', 'victim', { type: 'update', name: 'V' }, { actor: 'user:\u0000' })).rejects.toMatchObject({
      code: 'INVALID_EVENT',
      message: 'invalid system event: actor: contains a character PostgreSQL cannot store (U+0000)',
    });
    await expect(runtime.dispatch('system', 'victim', { type: 'update', name: 'V' }, { runId: 'run-\ud800' })).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    expect(await runtime.dispatch('system', 'victim', { type: 'update', name: 'V' }, { actor: 'user:\u{1F680}' })).toMatchObject({ cause: { actor: 'user:\u{1F680}' } });
  });

  it('splits an entity\'s queued events so only the poisoned one fails, the others commit in order', async () => {
    await runtime.dispatch('system', 'queue', { type: 'create', name: 'q0' });
    // Hold the entity's row: the next commit waits, and the events sent meanwhile queue up in
    // its mailbox and are committed together in the following batch.
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query(`select 1 from entity_state where kind = 'system' and id = 'queue' for update`);
      const first = runtime.dispatch('system', 'queue', { type: 'update', name: 'q1' });
      await waitFor(
        async () => Number((await blocker.query(`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)).rows[0].n) > 0,
        10_000,
        'the first commit waiting for the row lock',
      );
      const second = runtime.dispatch('system', 'queue', { type: 'update', name: 'q2' });
      const poisoned = runtime.deliverInternal('system', 'queue', { type: 'update', description: 'bad \udc00' } as { type: string });
      const third = runtime.dispatch('system', 'queue', { type: 'update', name: 'q3' });
      await new Promise((resolve) => setImmediate(resolve));
      await blocker.query('commit');

      expect(await first).toMatchObject({ version: 2 });
      expect(await poisoned.then(() => undefined, (caught: unknown) => caught)).toMatchObject({ code: 'INVALID_EVENT', details: { sqlState: '22P02' } });
      expect(await second).toMatchObject({ version: 3, next: { name: 'q2' } });
      expect(await third).toMatchObject({ version: 4, next: { name: 'q3', description: '' } });
    } finally {
      await blocker.end();
    }
    const history = await runtime.history('system', 'queue');
    expect(history.map((row) => [row.version, (row.event as { name?: string }).name])).toEqual([[1, 'q0'], [2, 'q1'], [3, 'q2'], [4, 'q3']]);
  });
});

describe('a poisoned item in a group commit (embedded PGlite)', () => {
  it('reports the SQLSTATE as DB_DATA_REJECTED and commits the healthy items', async () => {
    const embedded = await Database.open({ dataDir: mkdtempSync(join(tmpdir(), 'vigil-pglite-')) });
    try {
      await embedded.migrate();
      const store = new RecordingStore(embedded, 'node-c');
      const failure = await store.commit([systemCommit('alone', 0, 'a\u0000')]).then(() => undefined, (caught: unknown) => caught);
      expect(failure).toBeInstanceOf(PersistenceError);
      expect(failure).toMatchObject({ code: 'DB_DATA_REJECTED', sqlState: '22P05' });

      const batcher = new CommitBatcher(store, () => undefined, () => undefined);
      const items = ['p1', 'p2', 'p3', 'bad', 'p4', 'p5'].map((id) => systemCommit(id, 0, id === 'bad' ? 'x\ud800' : id));
      const outcomes = await Promise.allSettled(items.map((item) => batcher.submit(item)));
      expect(store.batches.some((batch) => batch.includes('bad') && batch.length > 1)).toBe(true);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect((await store.loadMany('system', ['p1', 'p2', 'p3', 'bad', 'p4', 'p5'])).map((row) => row.id).sort()).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
    } finally {
      await embedded.close();
    }
  });
});
