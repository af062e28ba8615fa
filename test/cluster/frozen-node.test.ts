import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { partitionOf } from '../../actors/index.ts';
import { auditCommittedCommands, auditFencing, CommandLoad, startCluster } from '../support/cluster.ts';
import { useIsolation } from '../support/fixtures.ts';
import { scaled } from '../support/time-scale.ts';

const isolation = useIsolation();
const LEASE_TTL_MS = 2000;

describe('a node frozen (SIGSTOP) past its lease, then resumed', () => {
  it('commits nothing for the partitions it lost while frozen; the others take over', async () => {
    const nodes = await startCluster({ databaseUrl: isolation.databaseUrl, namespace: isolation.namespace, size: 3, leaseTtlMs: LEASE_TTL_MS });
    isolation.defer(() => Promise.all(nodes.map((node) => node.kill('SIGKILL'))));
    const frozen = nodes[0]!;
    isolation.defer(() => frozen.pid && process.kill(frozen.pid, 'SIGCONT'));
    const db = new pg.Client({ connectionString: isolation.databaseUrl });
    await db.connect();
    isolation.defer(() => db.end());

    // Entities whose partitions the node to be frozen owns.
    const owned = new Set((await db.query(`select partition from partition_leases where owner = 'node-1'`)).rows.map((row) => row.partition));
    expect(owned.size).toBeGreaterThan(0);
    const ids = Array.from({ length: 2000 }, (_, index) => `f${index}`).filter((id) => owned.has(partitionOf('system', id, 32))).slice(0, 100);
    // A frozen node still gets its share of the queue group's requests (NATS only notices a
    // stale connection after its ping interval): clients give up on those after 4 s and go on.
    const load = new CommandLoad(isolation.namespace, ids, 3, 4_000);
    await load.open();
    isolation.defer(() => load.close());
    await load.createAll();

    let running = true;
    const traffic = load.updates(1_000_000, 40, () => running);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    process.kill(frozen.pid!, 'SIGSTOP');
    const frozenAt = Date.now();
    const ackedBeforeFreeze = load.acked.length;
    await new Promise((resolve) => setTimeout(resolve, LEASE_TTL_MS * 3));
    const ackedWhileFrozen = load.acked.length - ackedBeforeFreeze;
    process.kill(frozen.pid!, 'SIGCONT');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    running = false;
    await traffic;

    // While it was frozen, the others took its partitions over and kept committing.
    const takeovers = await db.query(`select partition, owner, acquired_at from partition_lease_history where acquired_at > $1 and owner <> 'node-1'`, [new Date(frozenAt)]);
    expect(takeovers.rows.length).toBeGreaterThan(0);
    expect(ackedWhileFrozen).toBeGreaterThan(0);
    console.log(`frozen node: ${takeovers.rows.length} partitions taken over, ${ackedWhileFrozen} commands acknowledged while it was frozen, longest stall ${load.maxLatencyMs} ms`);

    // The record: no transition by any node outside its epoch, in particular none by the frozen
    // node after the takeover of its partitions, and every acknowledged command exactly once.
    expect(await auditFencing(isolation.databaseUrl, 32)).toEqual([]);
    expect((await auditCommittedCommands(isolation.databaseUrl, load.acked)).problems).toEqual([]);
    const lateCommits = await db.query(
      `select count(*)::int as n from entity_transitions t where committed_by = 'node-1' and committed_at > $1
         and not exists (select 1 from partition_lease_history h where h.owner = 'node-1' and h.acquired_at > $1)`,
      [new Date(frozenAt)],
    );
    expect(lateCommits.rows[0].n).toBe(0);
  }, scaled(120_000));
});
