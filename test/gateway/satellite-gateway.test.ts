import WebSocket from 'ws';
import { beforeAll, describe, expect, it } from 'vitest';
import { SatelliteCredentialStore } from '../../persistence/index.ts';
import { SATELLITE_PATH, SatelliteCloseCode } from '../../protocol/satellite-protocol.ts';
import { useTestNode } from '../support/fixtures.ts';
import { startTestNode } from '../support/test-node.ts';
import { waitFor } from '../support/stream-reader.ts';

const fixture = useTestNode();
let token: string;

beforeAll(async () => {
  ({ token } = await new SatelliteCredentialStore(fixture.node.database).issue('sat-1'));
  await fixture.node.router.dispatch('satellite', 'sat-1', { type: 'register', name: 'Satellite 1', region: 'eu' });
  for (const id of ['shop', 'depot']) await fixture.node.router.dispatch('system', id, { type: 'create', name: id });
});

const url = (port = fixture.node.http.port) => `ws://127.0.0.1:${port}${SATELLITE_PATH}`;

/** Opens a socket; resolves with it and the frames it receives, or rejects with the HTTP status of a refused upgrade. */
function connect(authorization?: string, port?: number): Promise<{ ws: WebSocket; frames: Array<Record<string, unknown>>; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url(port), authorization ? { headers: { authorization } } : {});
    const frames: Array<Record<string, unknown>> = [];
    const closed = new Promise<number>((resolveClose) => ws.on('close', (code) => resolveClose(code)));
    ws.on('message', (data) => frames.push(JSON.parse(String(data))));
    ws.on('open', () => resolve({ ws, frames, closed }));
    ws.on('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    ws.on('error', reject);
  });
}

describe('satellite gateway', () => {
  it('refuses an upgrade without a token or with a wrong one (no socket at all)', async () => {
    await expect(connect()).rejects.toThrow('HTTP 401');
    await expect(connect(`Bearer sat-1.${'x'.repeat(43)}`)).rejects.toThrow('HTTP 401');
    await expect(connect(`Bearer nobody.${'x'.repeat(43)}`)).rejects.toThrow('HTTP 401');
    await expect(connect('Basic abc')).rejects.toThrow('HTTP 401');
  });

  it('authenticates, marks the satellite online, feeds heartbeats and results into the actors', async () => {
    await fixture.node.router.dispatch('check', 'http-home', { type: 'create', systemId: 'shop', strategy: { kind: 'http', url: 'http://shop.test/' }, satelliteIds: ['sat-1'] });
    const { ws, frames } = await connect(`Bearer ${token}`);
    await waitFor(() => frames.find((frame) => frame.type === 'authenticated'), 5_000, 'authenticated');
    expect(frames[0]).toMatchObject({ type: 'authenticated', satelliteId: 'sat-1', protocol: 1 });
    expect((await fixture.node.runtime.get('satellite', 'sat-1')).stateValue).toBe('online');
    // The connection is recorded with the node holding it.
    expect((await fixture.node.runtime.get('satellite', 'sat-1')).state).toMatchObject({ connected: true, session: { node: 'test-node', id: expect.any(String) } });

    ws.send(JSON.stringify({ type: 'heartbeat', agentVersion: '0.1.0', uptimeSeconds: 5 }));
    let executedAt = Date.now();
    const result = (resultId: string, status: 'up' | 'down') =>
      JSON.stringify({ type: 'result', resultId, checkId: 'http-home', systemId: 'shop', status, latencyMs: 12, executedAt: executedAt++ });
    const acked = (resultId: string) => frames.some((frame) => frame.type === 'results_acked' && (frame.resultIds as string[]).includes(resultId));
    // Two failures make the check degraded; the same result sent again counts once.
    const r1 = result('r1', 'down');
    ws.send(r1);
    await waitFor(() => acked('r1'), 5_000, 'r1 acknowledged');
    ws.send(r1);
    await waitFor(() => frames.filter((frame) => frame.type === 'results_acked').length >= 2, 5_000, 'the repeat acknowledged too');
    expect((await fixture.node.runtime.get('health', 'shop')).state).toMatchObject({ status: 'healthy' });
    ws.send(result('r2', 'down'));
    await waitFor(async () => ((await fixture.node.runtime.get('health', 'shop')).state as { status: string }).status === 'degraded', 5_000, 'degraded');
    ws.send(result('r3', 'up'));
    await waitFor(async () => ((await fixture.node.runtime.get('health', 'shop')).state as { status: string }).status === 'healthy', 5_000, 'healthy again');

    ws.close();
    // Disconnected, but heard from recently: online until its heartbeat deadline.
    await waitFor(async () => ((await fixture.node.runtime.get('satellite', 'sat-1')).state as { connected: boolean }).connected === false, 5_000, 'disconnected after close');
    expect((await fixture.node.runtime.get('satellite', 'sat-1')).state).toMatchObject({ status: 'online', connected: false, session: null });
    await fixture.node.router.dispatch('check', 'http-home', { type: 'delete' });
  });

  it('sends the satellite its checks, and the new set when they change', async () => {
    await fixture.node.router.dispatch('check', 'chk-home', { type: 'create', systemId: 'shop', strategy: { kind: 'http', url: 'http://shop.test/' }, intervalMs: 5_000, satelliteIds: ['sat-1'] });
    const { ws, frames } = await connect(`Bearer ${token}`);
    const authenticated = await waitFor(() => frames.find((frame) => frame.type === 'authenticated'), 5_000, 'authenticated');
    expect(authenticated.assignments).toEqual([
      { checkId: 'chk-home', systemId: 'shop', strategy: { kind: 'http', url: 'http://shop.test/', method: 'GET', timeoutMs: 10_000 }, intervalMs: 5_000 },
    ]);
    await fixture.node.router.dispatch('check', 'chk-db', { type: 'create', systemId: 'shop', strategy: { kind: 'tcp', host: '127.0.0.1', port: 5432 }, satelliteIds: ['sat-1'] });
    // Each change sends the complete list; an earlier change (chk-home's create) may still be on
    // its way, so wait for the list that includes the new check.
    const includesDb = (frame: Record<string, unknown>) =>
      frame.type === 'assignments_updated' && (frame.assignments as Array<{ checkId: string }>).some((assignment) => assignment.checkId === 'chk-db');
    const updated = await waitFor(() => frames.find(includesDb), 5_000, 'assignments_updated with chk-db');
    expect((updated.assignments as Array<{ checkId: string }>).map((assignment) => assignment.checkId)).toEqual(['chk-db', 'chk-home']);
    ws.close();
    await fixture.node.router.dispatch('check', 'chk-db', { type: 'delete' });
    await fixture.node.router.dispatch('check', 'chk-home', { type: 'delete' });
  });

  it('closes a connection that sends malformed frames (4400) without affecting another satellite', async () => {
    const good = await connect(`Bearer ${token}`);
    const bad = await connect(`Bearer ${token}`); // replaces the first (newest wins)
    expect(await good.closed).toBe(SatelliteCloseCode.Replaced);
    bad.ws.send('{not json');
    expect(await bad.closed).toBe(SatelliteCloseCode.ProtocolError);
    expect(bad.frames).toContainEqual(expect.objectContaining({ type: 'error', code: 'INVALID_JSON' }));

    const again = await connect(`Bearer ${token}`);
    again.ws.send(JSON.stringify({ type: 'launch_missiles' }));
    expect(await again.closed).toBe(SatelliteCloseCode.ProtocolError);
    expect(again.frames).toContainEqual(expect.objectContaining({ type: 'error', code: 'INVALID_MESSAGE' }));
  });

  it('closes a connection that floods frames (4429) and one that sends an oversize frame', async () => {
    const flood = await connect(`Bearer ${token}`);
    for (let index = 0; index < 500; index++) flood.ws.send(JSON.stringify({ type: 'heartbeat', agentVersion: '0.1.0', uptimeSeconds: index }));
    expect(await flood.closed).toBe(SatelliteCloseCode.RateLimited);

    const big = await connect(`Bearer ${token}`);
    big.ws.send('x'.repeat(200 * 1024));
    expect([1006, 1009]).toContain(await big.closed);
  });
});

describe('a burst of upgrades', () => {
  it('gives every satellite its session when 100 workers open 400 connections back to back (none dropped)', async () => {
    const store = new SatelliteCredentialStore(fixture.node.database);
    const ids = Array.from({ length: 400 }, (_, index) => `burst-${index}`);
    const tokens = await Promise.all(ids.map(async (id) => {
      await fixture.node.router.dispatch('satellite', id, { type: 'register', name: id, region: 'eu' });
      return (await store.issue(id)).token;
    }));
    const open = (token: string) => new Promise<string>((resolve) => {
      const ws = new WebSocket(url(), { headers: { authorization: `Bearer ${token}` } });
      ws.on('message', (data) => {
        if (!String(data).includes('"authenticated"')) return;
        resolve('authenticated');
        ws.close();
      });
      ws.on('close', (code) => resolve(`closed ${code}`));
      ws.on('error', (error) => resolve(`error ${error.message}`));
    });
    // Before the gateway stopped upgrading inside res.cork(), 3-13 % of these closed with 1006.
    const outcomes: string[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: 100 }, async () => {
      while (next < tokens.length) outcomes.push(await open(tokens[next++]!));
    }));
    expect(outcomes.filter((outcome) => outcome !== 'authenticated')).toEqual([]);
    await waitFor(() => fixture.node.http.satellitesConnected() === 0, 10_000, 'the burst closed again');
  });
});

describe('a satellite connecting to a second node', () => {
  it('keeps only the newest connection, cluster-wide, and stays connected', async () => {
    const second = await startTestNode({ databaseUrl: fixture.databaseUrl, namespace: fixture.namespace, nodeId: 'second' });
    try {
      const first = await connect(`Bearer ${token}`);
      await waitFor(() => first.frames.find((frame) => frame.type === 'authenticated'), 5_000, 'first authenticated');
      const other = await new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${second.http.port}${SATELLITE_PATH}`, { headers: { authorization: `Bearer ${token}` } });
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
      expect(await first.closed).toBe(SatelliteCloseCode.Replaced);
      await waitFor(() => fixture.node.http.satellitesConnected() === 0 && second.http.satellitesConnected() === 1, 5_000, 'one connection left');
      await new Promise((resolve) => setTimeout(resolve, 300));
      // The replaced socket did not mark the satellite disconnected.
      expect((await fixture.node.runtime.get('satellite', 'sat-1')).state).toMatchObject({ connected: true, status: 'online' });
      other.close();
    } finally {
      await second.stop();
    }
  });

  it('counts results re-sent through another node once (the first node\'s acknowledgements were lost)', async () => {
    await fixture.node.router.dispatch('check', 'http-depot', { type: 'create', systemId: 'depot', strategy: { kind: 'http', url: 'http://depot.test/' }, satelliteIds: ['sat-1'] });
    const second = await startTestNode({ databaseUrl: fixture.databaseUrl, namespace: fixture.namespace, nodeId: 'second' });
    try {
      const failure = (resultId: string, executedAt: number) =>
        JSON.stringify({ type: 'result', resultId, checkId: 'http-depot', systemId: 'depot', status: 'down', latencyMs: 3, executedAt });
      const checkOf = async () => ((await fixture.node.runtime.get('health', 'depot')).state as { status: string; checks: Record<string, { consecutiveFailures: number }> });
      const t0 = Date.now();

      const first = await connect(`Bearer ${token}`);
      await waitFor(() => first.frames.find((frame) => frame.type === 'authenticated'), 5_000, 'authenticated on the first node');
      first.ws.send(failure('d1', t0));
      first.ws.send(failure('d2', t0 + 1));
      await waitFor(async () => (await checkOf()).checks['http-depot@sat-1']?.consecutiveFailures === 2, 5_000, 'two failures applied');

      // The agent reconnects to the second node and, not having seen acknowledgements, sends
      // d1 and d2 again (twice, for good measure) before its next result d3.
      const moved = await connect(`Bearer ${token}`, second.http.port);
      await waitFor(() => moved.frames.find((frame) => frame.type === 'authenticated'), 5_000, 'authenticated on the second node');
      for (const frame of [failure('d1', t0), failure('d2', t0 + 1), failure('d1', t0), failure('d2', t0 + 1), failure('d3', t0 + 2)]) moved.ws.send(frame);
      const ackedThere = () => new Set(moved.frames.filter((frame) => frame.type === 'results_acked').flatMap((frame) => frame.resultIds as string[]));
      await waitFor(() => ['d1', 'd2', 'd3'].every((id) => ackedThere().has(id)), 5_000, 'all acknowledged by the second node');

      // Five deliveries of failures, three distinct results: three failures (degraded), not five (unhealthy).
      expect(await checkOf()).toMatchObject({ status: 'degraded', checks: { 'http-depot@sat-1': { consecutiveFailures: 3 } } });
      const history = await fixture.node.runtime.history('health', 'depot');
      const applied = history.flatMap((change) => ((change.next as { checks: Record<string, { lastResultAt?: number }> }).checks['http-depot@sat-1']?.lastResultAt ?? []));
      // Each committed version moved the watermark forward (the re-sent results were no-ops).
      expect(applied.at(-1)).toBe(t0 + 2);
      expect(applied.every((at, index) => index === 0 || at > applied[index - 1]!)).toBe(true);
      moved.ws.close();
    } finally {
      await second.stop();
    }
  });
});
