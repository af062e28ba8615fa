import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';
import { beforeAll, describe, expect, it } from 'vitest';
import { SatelliteCredentialStore } from '../../persistence/index.ts';
import { SATELLITE_PATH } from '../../protocol/satellite-protocol.ts';
import { useTestNode } from '../support/fixtures.ts';
import { waitFor } from '../support/stream-reader.ts';

const fixture = useTestNode();

// A full garbage collection on demand, so heap figures are what is retained, not what is pending.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const retainedHeap = () => {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
};
const tokens: Record<string, string> = {};

beforeAll(async () => {
  const credentials = new SatelliteCredentialStore(fixture.node.database);
  for (const id of ['slow', 'good', 'churn']) {
    tokens[id] = (await credentials.issue(id)).token;
    await fixture.node.router.dispatch('satellite', id, { type: 'register', name: id, region: 'test' });
  }
  for (const id of ['good-system', 'shop']) await fixture.node.router.dispatch('system', id, { type: 'create', name: id });
  await fixture.node.router.dispatch('check', 'ping', { type: 'create', systemId: 'good-system', strategy: { kind: 'tcp', host: '127.0.0.1', port: 9 }, satelliteIds: ['good'] });
});

function open(id: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${fixture.node.http.port}${SATELLITE_PATH}`, { headers: { authorization: `Bearer ${tokens[id]}` } });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

describe('hostile satellites', () => {
  it('disconnects a satellite that never reads, while a well-behaved one keeps reporting', async () => {
    const good = await open('good');
    const slow = await open('slow');
    await waitFor(() => fixture.node.http.satellitesConnected() === 2, 5_000, 'both connected');
    // The slow one stops reading: the server's output to it piles up.
    (slow as unknown as { _socket: { pause(): void } })._socket.pause();

    // 60 checks assigned to it, edited again and again: every edit pushes its whole list (~10 KB).
    for (let index = 0; index < 60; index++) {
      await fixture.node.router.dispatch('check', `c${index}`, {
        type: 'create',
        systemId: 'shop',
        strategy: { kind: 'http', url: `http://127.0.0.1:9/${'x'.repeat(100)}/${index}` },
        satelliteIds: ['slow'],
      });
    }
    let round = 0;
    await waitFor(
      async () => {
        await fixture.node.router.dispatch('check', 'c0', { type: 'update', intervalMs: 1_000 + ++round });
        return fixture.node.http.satellitesConnected() === 1;
      },
      30_000,
      'the slow satellite disconnected by backpressure',
    );

    // The well-behaved satellite was not affected: its results still land.
    good.send(JSON.stringify({ type: 'result', resultId: 'g1', checkId: 'ping', systemId: 'good-system', status: 'up', latencyMs: 1, executedAt: Date.now() }));
    await waitFor(async () => (await fixture.node.runtime.get('health', 'good-system')).version === 1, 5_000, 'good result applied');
    expect((await fixture.node.runtime.get('satellite', 'good')).stateValue).toBe('online');
    good.close();
    slow.terminate();
  });

  it('survives 1,000 rapid reconnects and ends consistent, with retained memory bounded', async () => {
    // Warm-up: the first connections allocate what every later one reuses (caches, pools).
    for (const ws of await Promise.all(Array.from({ length: 50 }, () => open('churn')))) ws.terminate();
    await waitFor(() => fixture.node.http.satellitesConnected() === 0, 10_000, 'warm-up sockets closed');
    const heapBefore = retainedHeap();
    for (let batch = 0; batch < 20; batch++) {
      const sockets = await Promise.all(Array.from({ length: 50 }, () => open('churn')));
      for (const ws of sockets) ws.terminate();
    }
    await waitFor(() => fixture.node.http.satellitesConnected() === 0, 10_000, 'every socket closed');
    // The newest connection won each time; once all are gone the satellite is disconnected.
    const connected = async () => ((await fixture.node.runtime.get('satellite', 'churn')).state as { connected: boolean }).connected;
    await waitFor(async () => (await connected()) === false, 10_000, 'disconnected at the end');
    const last = await open('churn');
    await waitFor(async () => (await connected()) === true, 5_000, 'can still connect');
    last.close();
    await waitFor(() => fixture.node.http.satellitesConnected() === 0, 10_000, 'last socket closed');
    const grownKiB = Math.round((retainedHeap() - heapBefore) / 1024);
    console.log(`1,000 reconnects: retained heap ${grownKiB} KiB larger afterwards (test process and node together)`);
    // Measured: ~0.6 MB after 250, ~1.2 MB after 1,000, ~2.1 MB after 3,000 reconnects (sub-linear,
    // not yet explained). A leak of a socket's worth (~10 KB) per connection would retain ~10 MB.
    expect(grownKiB).toBeLessThan(4096);
  });
});
