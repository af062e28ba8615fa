import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { onEntityChanged } from '../../actors/index.ts';
import type { EntityChange } from '../../machines/index.ts';
import { useTestNode } from '../support/fixtures.ts';
import { readStream, waitFor } from '../support/stream-reader.ts';
import { startSubscriber } from '../support/subscriber-process.ts';

const fixture = useTestNode();

beforeAll(async () => {
  await fixture.node.database.query('create table ledger (subscriber text, kind text, id text, version int)');
});


describe('work-queue delivery', () => {
  it('hands each change to exactly one of 3 subscriber processes in the group', async () => {
    const subscribers = await Promise.all(['a', 'b', 'c'].map((name) => startSubscriber({ name, group: 'ledger', databaseUrl: fixture.databaseUrl, namespace: fixture.namespace })));
    // Subscribers stop before the database they write to is dropped.
    fixture.defer(() =>
      Promise.all(subscribers.map((child) => new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }))).then(() => undefined),
    );

    const ids = Array.from({ length: 100 }, (_, index) => `wq-${index}`);
    await Promise.all(ids.map((id) => fixture.node.runtime.dispatch('system', id, { type: 'create', name: id })));
    await Promise.all(ids.map((id) => fixture.node.runtime.dispatch('system', id, { type: 'update', description: 'second' })));
    await Promise.all(ids.map((id) => fixture.node.runtime.dispatch('system', id, { type: 'update', description: 'third' })));

    const admin = new pg.Client({ connectionString: fixture.databaseUrl });
    await admin.connect();
    try {
      await waitFor(async () => Number((await admin.query('select count(*) from ledger')).rows[0].count) >= 300, 20_000, '300 ledger rows');
      await new Promise((resolve) => setTimeout(resolve, 500)); // would a duplicate still arrive?
      const { rows } = await admin.query(
        'select count(*)::int as total, count(distinct (kind, id, version))::int as distinct_changes, count(distinct subscriber)::int as subscribers from ledger',
      );
      expect(rows[0]).toMatchObject({ total: 300, distinct_changes: 300 });
      expect(rows[0].subscribers).toBeGreaterThan(1);
    } finally {
      await admin.end();
    }
  });

  it('delivers to every broadcast subscriber', async () => {
    const seen: string[][] = [[], []];
    const subscriptions = await Promise.all(
      seen.map((list) => onEntityChanged(fixture.node.bus, { kind: 'group', delivery: { mode: 'broadcast' }, handler: async (change) => void list.push(`${change.id}:${change.version}`) })),
    );
    await Promise.all(['b1', 'b2', 'b3'].map((id) => fixture.node.runtime.dispatch('group', id, { type: 'create', name: id })));
    await waitFor(() => seen.every((list) => list.length === 3), 10_000, 'both broadcast subscribers');
    expect(seen[0]!.sort()).toEqual(['b1:1', 'b2:1', 'b3:1']);
    expect(seen[1]!.sort()).toEqual(seen[0]);
    await Promise.all(subscriptions.map((subscription) => subscription.stop()));
  });

  it('retries a failing handler with backoff, then parks the message where an operator sees it', async () => {
    const attempts: number[] = [];
    const subscription = await onEntityChanged(fixture.node.bus, {
      kind: 'incident',
      delivery: { mode: 'work-queue', group: 'always-fails' },
      maxDeliveries: 3,
      backoffMs: 50,
      handler: async (_change: EntityChange, info) => {
        attempts.push(info.deliveryCount);
        throw new Error('webhook answered 500');
      },
    });
    await fixture.node.runtime.dispatch('incident', 'poison', { type: 'create', title: 'x', severity: 'minor', systemIds: [] });
    const parked = await waitFor(async () => {
      const messages = await readStream(fixture.node.bus, fixture.node.bus.subjects.streams.parked, fixture.node.bus.subjects.parked('always-fails'));
      return messages.length > 0 ? messages : undefined;
    }, 15_000, 'parked message');
    expect(attempts).toEqual([1, 2, 3]);
    expect(parked[0]!.json).toMatchObject({ kind: 'incident', id: 'poison', version: 1 });
    await subscription.stop();
  });

  it('parks a message that breaks the change contract at once, without calling the handler', async () => {
    let called = 0;
    const subscription = await onEntityChanged(fixture.node.bus, {
      kind: 'health',
      delivery: { mode: 'work-queue', group: 'strict' },
      handler: async () => void called++,
    });
    await fixture.node.bus.js.publish(fixture.node.bus.subjects.entity('health', 'forged'), JSON.stringify({ kind: 'health', version: 'one' }));
    const parked = await waitFor(async () => {
      const messages = await readStream(fixture.node.bus, fixture.node.bus.subjects.streams.parked, fixture.node.bus.subjects.parked('strict'));
      return messages.length > 0 ? messages : undefined;
    }, 10_000, 'parked invalid message');
    expect(parked).toHaveLength(1);
    expect(called).toBe(0);
    await subscription.stop();
  });
});
