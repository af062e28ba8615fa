import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { auditCommittedCommands, auditFencing, CommandLoad, startCluster } from '../support/cluster.ts';
import { useIsolation } from '../support/fixtures.ts';
import { TEST_ADMIN_TOKEN } from '../support/isolation.ts';
import { waitFor, waitForCount } from '../support/stream-reader.ts';
import { startSubscriber } from '../support/subscriber-process.ts';
import { scaled } from '../support/time-scale.ts';

const isolation = useIsolation();

function vigilStatus(port: number): Promise<string> {
  const vigil = fileURLToPath(new URL('../../bin/vigil.js', import.meta.url));
  const child = spawn(process.execPath, [vigil, 'status', '--json'], {
    // Any node answers for the whole cluster.
    env: { ...process.env, VIGIL_URL: `http://127.0.0.1:${port}`, VIGIL_TOKEN: TEST_ADMIN_TOKEN },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`vigil status exited ${code}`)))));
}


describe('3 nodes, 1,000 entities, 10,000 commands through all of them', () => {
  it('commits every acknowledged command exactly once, versions 1..n, each change once per work-queue group', async () => {
    const nodes = await startCluster({ databaseUrl: isolation.databaseUrl, namespace: isolation.namespace, size: 3, leaseTtlMs: 3000 });
    isolation.defer(() => Promise.all(nodes.map((node) => node.kill('SIGKILL'))));
    const db = new pg.Client({ connectionString: isolation.databaseUrl });
    await db.connect();
    isolation.defer(() => db.end());
    await db.query('create table ledger (subscriber text, kind text, id text, version int)');
    const subscribers = await Promise.all(['s1', 's2'].map((name) => startSubscriber({ name, group: 'audit', databaseUrl: isolation.databaseUrl, namespace: isolation.namespace })));
    isolation.defer(() => subscribers.forEach((child) => child.kill('SIGKILL')));

    // Every node owns a share of the partitions.
    const owners = await db.query('select owner, count(*)::int as n from partition_leases group by owner');
    expect(owners.rows.length).toBe(3);

    const ids = Array.from({ length: 1000 }, (_, index) => `e${index}`);
    const load = new CommandLoad(isolation.namespace, ids, 6);
    await load.open();
    isolation.defer(() => load.close());
    const started = Date.now();
    await load.createAll();
    await load.updates(9000, 200);
    const seconds = (Date.now() - started) / 1000;
    console.log(`3 nodes: ${load.acked.length} commands acknowledged in ${seconds.toFixed(1)} s (${Math.round(load.acked.length / seconds)}/s); failures`, Object.fromEntries(load.failures));

    expect(load.acked.length).toBe(10_000);
    const audit = await auditCommittedCommands(isolation.databaseUrl, load.acked);
    expect(audit.problems).toEqual([]);
    expect(audit.transitions).toBe(10_000);
    // Commands really went through every node (committed_by), routed to each partition's owner.
    const committers = await db.query('select committed_by, count(*)::int as n from entity_transitions group by committed_by');
    expect(committers.rows.length).toBe(3);
    expect(await auditFencing(isolation.databaseUrl, 32)).toEqual([]);

    await waitForCount(async () => Number((await db.query('select count(*) from ledger')).rows[0].count), 10_000, 30_000, 'work-queue ledger');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const ledger = await db.query('select count(*)::int as total, count(distinct (kind, id, version))::int as distinct_changes from ledger');
    expect(ledger.rows[0]).toEqual({ total: 10_000, distinct_changes: 10_000 });

    // `vigil status` sees the whole cluster.
    const status = JSON.parse(await vigilStatus(nodes[1]!.port));
    expect(status.nodes.map((node: { nodeId: string }) => node.nodeId)).toEqual(['node-1', 'node-2', 'node-3']);
    expect(status.unownedPartitions).toEqual([]);
    expect(status.outboxBacklog).toBe(0);
    expect(status.consumers).toContainEqual(expect.objectContaining({ name: `${isolation.namespace}_audit`, pending: 0 }));

    // A graceful stop hands the node's partitions over at once (no waiting for the lease to expire).
    const stoppedAt = Date.now();
    const exited = new Promise<number | null>((resolve) => nodes[2]!.onExit(resolve));
    await nodes[2]!.kill('SIGTERM');
    expect(await exited).toBe(0);
    const handedOver = await waitFor(async () => {
      const owners = await db.query(`select count(*)::int as n from partition_leases where owner = 'node-3'`);
      return owners.rows[0].n === 0 ? Date.now() : undefined;
    }, 10_000, 'partitions of the stopped node taken over');
    console.log(`graceful stop of node-3: partitions owned elsewhere ${handedOver - stoppedAt} ms after SIGTERM (lease ${3000} ms)`);
    expect(await auditFencing(isolation.databaseUrl, 32)).toEqual([]);
  }, scaled(180_000));
});
