import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, type Bus } from '../../bus/index.ts';
import type { VigilNode } from '../../node/index.ts';
import { createTestDatabase } from '../support/isolation.ts';
import { NatsProcess } from '../support/nats-process.ts';
import { readStream, waitFor } from '../support/stream-reader.ts';
import { startTestNode } from '../support/test-node.ts';
import { scaled } from '../support/time-scale.ts';

let node: VigilNode;
let nats: NatsProcess;
const cleanup: Array<() => Promise<void>> = [];

beforeAll(async () => {
  nats = new NatsProcess();
  await nats.start();
  const database = await createTestDatabase();
  // A short lease: the outage below outlasts it, and commits must go on regardless.
  node = await startTestNode({ databaseUrl: database.url, namespace: 'vigil', natsUrl: nats.url, env: { VIGIL_LEASE_TTL_MS: '2000' } });
  cleanup.push(() => node.stop(), () => nats.destroy(), database.drop);
});

afterAll(async () => {
  for (const step of cleanup) await step().catch(() => undefined);
});

describe('NATS outage', () => {
  it('keeps committing while NATS is down and publishes every change exactly once after it is back', async () => {
    const ids = Array.from({ length: 20 }, (_, index) => `sys-${index}`);
    await Promise.all(ids.map((id) => node.router.dispatch('system', id, { type: 'create', name: id })));
    let round = 0;
    let running = true;
    const load = (async () => {
      while (running) {
        round++;
        await Promise.all(ids.map((id) => node.router.dispatch('system', id, { type: 'update', description: `round ${round}` })));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, 700));
    await nats.stop('SIGKILL');
    const roundAtStop = round;
    // Longer than the lease: the node keeps its partitions (the epoch in PostgreSQL fences them).
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const backlog = Number((await node.database.query<{ n: string }>('select count(*) as n from outbox'))[0]!.n);
    expect(round).toBeGreaterThan(roundAtStop + 10); // commits went on without NATS, past the lease time
    expect(backlog).toBeGreaterThan(0); // and waited in the outbox
    await nats.start();
    await new Promise((resolve) => setTimeout(resolve, 700));
    running = false;
    await load;

    await waitFor(async () => (await node.database.query<{ n: string }>('select count(*) as n from outbox'))[0]!.n === '0', 30_000, 'outbox drained');
    const committed = await node.database.query<{ kind: string; id: string; version: number }>('select kind, id, version from entity_transitions');
    const reader: Bus = await connectBus({ servers: nats.url, namespace: 'vigil', name: 'reader' });
    try {
      const messages = await readStream(reader, reader.subjects.streams.entity, reader.subjects.entityFilter());
      const onStream = messages.map((message) => message.messageId!).sort();
      const expected = committed.map((row) => `${row.kind}:${row.id}:${row.version}`).sort();
      expect(onStream.length).toBe(expected.length);
      expect(onStream).toEqual(expected);
    } finally {
      await reader.close();
    }
  }, scaled(90_000));
});
