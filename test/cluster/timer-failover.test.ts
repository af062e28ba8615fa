import { describe, expect, it } from 'vitest';
import { connectBus } from '../../bus/index.ts';
import type { EntityChange } from '../../machines/index.ts';
import { auditFencing, connectClients, idsOwnedBy, startCluster } from '../support/cluster.ts';
import { useIsolation } from '../support/fixtures.ts';
import { NATS_URL } from '../support/isolation.ts';
import { readStream, waitFor } from '../support/stream-reader.ts';
import { scaled } from '../support/time-scale.ts';

const isolation = useIsolation();
const LEASE_TTL_MS = 2000;
// Long enough that, on a busy machine, every timer is still pending when its owner is killed.
const THRESHOLD_MS = 8000;

describe('durable timers when their owner dies', () => {
  it('fire on the new owner: once, never early, late by at most the failover time plus a few seconds', async () => {
    const nodes = await startCluster({ databaseUrl: isolation.databaseUrl, namespace: isolation.namespace, size: 2, leaseTtlMs: LEASE_TTL_MS });
    isolation.defer(() => Promise.all(nodes.map((node) => node.kill('SIGKILL'))));
    const { db, command: send, internalCommand } = await connectClients(isolation);
    const bus = await connectBus({ servers: NATS_URL, namespace: isolation.namespace, name: 'timer-failover' });
    isolation.defer(() => bus.close());

    // Satellites whose partitions node-1 owns: their heartbeat timers are node-1's to fire.
    const ids = (await idsOwnedBy(db, 'node-1', 'satellite', Array.from({ length: 500 }, (_, index) => `sat${index}`))).slice(0, 20);
    expect(ids.length).toBeGreaterThan(5);
    const command = (id: string, event: unknown) => send('satellite', id, event);
    const dueAt = new Map<string, number>();
    for (const id of ids) expect((await command(id, { type: 'register', name: id, region: 'eu', heartbeatThresholdMs: THRESHOLD_MS })).ok).toBe(true);
    // `connect` is the satellite gateway's event: sent as a node's gateway does, all at once so
    // the timers are armed close together.
    await Promise.all(
      ids.map(async (id) => {
        const connected = (await internalCommand('satellite', id, { type: 'connect' })) as { ok: true; change: EntityChange };
        dueAt.set(id, connected.change.at + THRESHOLD_MS);
      }),
    );

    await nodes[0]!.kill('SIGKILL');
    const killedAt = Date.now();
    // The scenario needs every timer still pending at the kill (only a stall of THRESHOLD_MS breaks it).
    expect(Math.min(...dueAt.values()), 'a timer was already due when its owner was killed').toBeGreaterThan(killedAt);

    const offline = await waitFor(async () => {
      const { rows } = await db.query(`select id, at, committed_by from entity_transitions where kind = 'satellite' and event->>'type' = 'heartbeat_timeout'`);
      return rows.length === ids.length ? rows : undefined;
    }, 20_000, 'every satellite offline');
    const lateness = offline.map((row) => Number(row.at) - dueAt.get(row.id)!);
    console.log(`timers of a killed node: all ${ids.length} fired on node-2, ${Date.now() - killedAt} ms after the kill; late by ${Math.min(...lateness)}..${Math.max(...lateness)} ms (lease ${LEASE_TTL_MS} ms)`);
    for (const row of offline) expect(row.committed_by).toBe('node-2');
    expect(Math.min(...lateness)).toBeGreaterThanOrEqual(0); // never early
    expect(Math.max(...lateness)).toBeLessThan(LEASE_TTL_MS + 5_000);

    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const lost = await readStream(bus, bus.subjects.streams.trigger, bus.subjects.trigger('satellite.heartbeat_lost'));
    expect(lost.length).toBe(ids.length); // once each
    expect(await auditFencing(isolation.databaseUrl, 32)).toEqual([]);
  }, scaled(120_000));
});
