import { describe, expect, it } from 'vitest';
import { completeRollupsQuery } from '../../persistence/check-history-query.ts';
import { startClusterWithClients } from '../support/cluster.ts';
import { useIsolation } from '../support/fixtures.ts';
import { authorization } from '../support/isolation.ts';
import { connectSatellite, type SatelliteClient } from '../support/satellite-client.ts';
import { waitFor } from '../support/stream-reader.ts';
import { scaled } from '../support/time-scale.ts';

const isolation = useIsolation();
const RESULTS = 160;
/** Under the gateway's 50 frames/s per satellite, as the agent keeps to. */
const FRAME_GAP_MS = 25;

/**
 * A satellite keeps every result until a node acknowledges it, and sends what is unacknowledged
 * again after reconnecting (what the agent's result outbox does). The node it is connected to is
 * killed with kill -9 while results stream in: some were committed and acknowledged, some
 * committed to health or history but not acknowledged, some not committed at all.
 */
describe('check history when the node ingesting results is killed', () => {
  it('stores every result exactly once and counts it once in the roll-ups', async () => {
    const { nodes, db, command } = await startClusterWithClients(isolation, { size: 2, leaseTtlMs: 2_000 });
    await command('system', 'shop', { type: 'create', name: 'Shop' });
    await command('satellite', 'edge', { type: 'register', name: 'Edge', region: 'eu' });
    await command('check', 'home', { type: 'create', systemId: 'shop', strategy: { kind: 'tcp', host: '127.0.0.1', port: 9 }, satelliteIds: ['edge'] });
    const issued = await fetch(`http://127.0.0.1:${nodes[1]!.port}/satellites/edge/token`, { method: 'POST', headers: authorization() });
    const { token } = (await issued.json()) as { token: string };

    // One result a millisecond apart in executedAt, every fifth failed; unacknowledged ones are kept.
    const base = Date.now() - 60_000;
    const unacknowledged = new Map<string, { resultId: string; executedAt: number; status: 'up' | 'down' }>();
    for (let index = 0; index < RESULTS; index++) unacknowledged.set(`r${index}`, { resultId: `r${index}`, executedAt: base + index, status: index % 5 === 0 ? 'down' : 'up' });
    const follow = (client: SatelliteClient) =>
      client.ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { type: string; resultIds?: string[] };
        if (frame.type === 'results_acked') for (const id of frame.resultIds!) unacknowledged.delete(id);
      });
    // Paced like the agent's sender; stops when its socket is gone.
    const send = async (client: SatelliteClient, results: Array<{ resultId: string; executedAt: number; status: 'up' | 'down' }>) => {
      for (const result of results) {
        if (client.ws.readyState !== client.ws.OPEN) return;
        if (unacknowledged.has(result.resultId)) client.result({ ...result, checkId: 'home', systemId: 'shop' });
        await new Promise((resolve) => setTimeout(resolve, FRAME_GAP_MS));
      }
    };

    const first = await connectSatellite(nodes[0]!.port, token);
    follow(first);
    await first.frame((frame) => frame.type === 'authenticated', 'authenticated on node-1');
    const all = [...unacknowledged.values()];
    const sending = send(first, all);
    // A part is through, the rest still coming or in flight: now the node dies.
    await waitFor(() => unacknowledged.size <= RESULTS - 40 || undefined, scaled(20_000), 'a first part acknowledged');
    await nodes[0]!.kill('SIGKILL');
    await sending;
    const leftAtKill = unacknowledged.size;

    const second = await connectSatellite(nodes[1]!.port, token);
    follow(second);
    await second.frame((frame) => frame.type === 'authenticated', 'authenticated on node-2');
    await send(second, [...unacknowledged.values()]);
    await waitFor(() => unacknowledged.size === 0 || undefined, scaled(30_000), 'every result acknowledged by node-2');
    second.ws.close();
    console.log(`history under kill -9: ${RESULTS - leftAtKill} of ${RESULTS} acknowledged by node-1 before it died, ${leftAtKill} sent again to node-2`);
    expect(leftAtKill).toBeGreaterThan(0);

    const failures = all.filter((result) => result.status === 'down').length;
    const raw = await db.query(
      `select count(*)::int as rows, count(distinct executed_at)::int as distinct_times, count(*) filter (where not success)::int as failures
       from check_results where check_id = 'home' and source = 'edge'`,
    );
    expect(raw.rows[0]).toEqual({ rows: RESULTS, distinct_times: RESULTS, failures });
    // Every roll-up, folded or (this hour, today) summed from the check's hours, as the API reads them.
    for (const [subject, id] of [['check', 'home'], ['system', 'shop']] as const) {
      for (const grain of ['hour', 'day'] as const) {
        const { sql, parameters } = completeRollupsQuery(subject, grain);
        let parameter = 0;
        const rollups = await db.query(
          `select sum(results)::int as results, sum(failures)::int as failures from (${sql.replace(/\?/g, () => `$${++parameter}`)}) r`,
          parameters([id], 0, Date.now() + 86_400_000),
        );
        expect(rollups.rows, `${subject} ${grain}`).toEqual([{ results: RESULTS, failures }]);
      }
    }
  }, scaled(90_000));
});
