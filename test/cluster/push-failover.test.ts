import { describe, expect, it } from 'vitest';
import { idsOwnedBy, startClusterWithClients } from '../support/cluster.ts';
import { useIsolation } from '../support/fixtures.ts';
import { authorization } from '../support/isolation.ts';
import { waitFor } from '../support/stream-reader.ts';
import { scaled } from '../support/time-scale.ts';

const isolation = useIsolation();
const PERIOD_MS = 3_000;
const GRACE_MS = 500;

describe('push monitor deadline when the node holding its timer dies', () => {
  it('records the miss once, on another node, at the deadline or later', async () => {
    const { nodes, db, command } = await startClusterWithClients(isolation, { size: 2, leaseTtlMs: 2_000 });
    // A check whose partition node-1 holds: its durable timer is node-1's to fire.
    const [checkId] = await idsOwnedBy(db, 'node-1', 'check', Array.from({ length: 100 }, (_, index) => `job-${index}`));
    expect(checkId).toBeDefined();
    await command('system', 'batch', { type: 'create', name: 'Batch' });
    await command('check', checkId!, { type: 'create', systemId: 'batch', strategy: { kind: 'push', periodMs: PERIOD_MS, graceMs: GRACE_MS } });

    // Token and ping through node-2; the ping is forwarded to node-1, which commits it and arms the timer.
    const node2 = (path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${nodes[1]!.port}${path}`, { method: 'POST', ...init });
    const { token } = await (await node2(`/checks/${checkId}/push-token`, { headers: authorization() })).json();
    const pinged = await node2(`/push/${token}`);
    expect(pinged.status).toBe(200);
    const dueAt = (await pinged.json()).receivedAt + PERIOD_MS + GRACE_MS;
    const armed = await db.query('select due_at from entity_timers where kind = $1 and entity_id = $2', ['check', checkId]);
    expect(armed.rows.map((row) => Number(row.due_at))).toEqual([dueAt]);

    await nodes[0]!.kill('SIGKILL');
    expect(dueAt, 'the deadline passed before the kill').toBeGreaterThan(Date.now());

    const misses = await waitFor(async () => {
      const { rows } = await db.query(
        `select at, committed_by, event from entity_transitions where kind = 'check' and id = $1 and event->>'type' = 'push_due' and (event->>'dueAt')::bigint = $2`,
        [checkId, dueAt],
      );
      return rows.length > 0 ? rows : undefined;
    }, 20_000, 'the missed deadline');
    // Health took the miss as a push failure at the deadline.
    const failure = await waitFor(async () => {
      const { rows } = await db.query(
        `select t.at, r.value as result from entity_transitions t, jsonb_array_elements(t.event->'results') r
         where t.kind = 'health' and t.id = 'batch' and r.value->>'checkId' = $1 and (r.value->>'executedAt')::bigint = $2`,
        [checkId, dueAt],
      );
      return rows.length > 0 ? rows : undefined;
    }, 10_000, 'the push failure in health');
    console.log(`push deadline of a killed node: missed on ${String(misses[0]!.committed_by)} ${Number(misses[0]!.at) - dueAt} ms after it, in health ${Number(failure[0]!.at) - dueAt} ms after it`);
    expect(misses).toHaveLength(1);
    expect(misses[0]).toMatchObject({ committed_by: 'node-2', event: { dueAt } });
    expect(Number(misses[0]!.at)).toBeGreaterThanOrEqual(dueAt); // never early
    expect(failure).toHaveLength(1);
    expect(failure[0]!.result).toMatchObject({ source: 'push', success: false, executedAt: dueAt });
    expect(Number(failure[0]!.at)).toBeGreaterThanOrEqual(dueAt);
  }, scaled(60_000));
});
