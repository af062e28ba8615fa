import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { partitionOf, type CommandReply } from '../../actors/index.ts';
import { connectBus, subjectsFor } from '../../bus/index.ts';
import type { EntityChange } from '../../machines/index.ts';
import { auditFencing, startCluster } from '../support/cluster.ts';
import { useIsolation } from '../support/fixtures.ts';
import { NATS_URL } from '../support/isolation.ts';
import { readStream, waitFor } from '../support/stream-reader.ts';

const isolation = useIsolation();
const LEASE_TTL_MS = 2000;
const THRESHOLD_MS = 3000;

describe('durable timers when their owner dies', () => {
  it('fire on the new owner: once, never early, late by at most the failover time plus a few seconds', async () => {
    const nodes = await startCluster({ databaseUrl: isolation.databaseUrl, namespace: isolation.namespace, size: 2, leaseTtlMs: LEASE_TTL_MS });
    isolation.defer(() => Promise.all(nodes.map((node) => node.kill('SIGKILL'))));
    const db = new pg.Client({ connectionString: isolation.databaseUrl });
    await db.connect();
    isolation.defer(() => db.end());
    const nc = await connect({ servers: NATS_URL });
    isolation.defer(() => nc.close());
    const bus = await connectBus({ servers: NATS_URL, namespace: isolation.namespace, name: 'timer-failover' });
    isolation.defer(() => bus.close());

    // Satellites whose partitions node-1 owns: their heartbeat timers are node-1's to fire.
    const owned = new Set((await db.query(`select partition from partition_leases where owner = 'node-1'`)).rows.map((row) => row.partition));
    const ids = Array.from({ length: 500 }, (_, index) => `sat${index}`).filter((id) => owned.has(partitionOf('satellite', id, 32))).slice(0, 20);
    expect(ids.length).toBeGreaterThan(5);
    const subjects = subjectsFor(isolation.namespace);
    const command = async (id: string, event: unknown) =>
      (await nc.request(subjects.command('satellite', id), JSON.stringify(event), { timeout: 10_000 })).json<CommandReply>();
    const dueAt = new Map<string, number>();
    for (const id of ids) {
      expect((await command(id, { type: 'register', name: id, region: 'eu', heartbeatThresholdMs: THRESHOLD_MS })).ok).toBe(true);
      const connected = (await command(id, { type: 'connect' })) as { ok: true; change: EntityChange };
      dueAt.set(id, connected.change.at + THRESHOLD_MS);
    }

    await nodes[0]!.kill('SIGKILL');
    const killedAt = Date.now();

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
  }, 120_000);
});
