import { beforeAll, describe, expect, it } from 'vitest';
import type { VigilNode } from '../../node/index.ts';
import { LiveStreamCloseCode } from '../../protocol/live-stream-protocol.ts';
import { useIsolation } from '../support/fixtures.ts';
import { TEST_ADMIN_TOKEN, authorization } from '../support/isolation.ts';
import { connectLive, subscribeLive, type LiveClient } from '../support/live-client.ts';
import { waitFor } from '../support/stream-reader.ts';
import { startTestNode } from '../support/test-node.ts';
import { scaled } from '../support/time-scale.ts';

/**
 * The live stream for browsers (`/stream/v1`) against a real node: authentication by the first
 * frame, filters, resuming after a disconnect with nothing missing and nothing twice, and a client
 * that stops reading being closed (4008) while the others go on.
 */
const isolation = useIsolation();
let node: VigilNode;

beforeAll(async () => {
  node = await startTestNode({
    databaseUrl: isolation.databaseUrl,
    namespace: isolation.namespace,
    env: { VIGIL_LIVE_SUBSCRIBE_TIMEOUT_MS: '300', VIGIL_LIVE_TOKEN_RECHECK_MS: '200', VIGIL_LIVE_MAX_BUFFERED_BYTES: String(256 * 1024) },
  });
  isolation.defer(() => node.stop());
}, scaled(60_000));

const port = () => node.http.port;
const dispatch = (kind: string, id: string, event: Record<string, unknown>) => node.runtime.dispatch(kind, id, event);
const subscribe = (fields: Record<string, unknown> = {}) => subscribeLive(port(), { token: TEST_ADMIN_TOKEN, ...fields });
const keys = (client: LiveClient) => client.changes().map((change) => `${change.kind}:${change.id}:${change.version}`);

async function createToken(name: string, role: 'viewer' | 'operator' | 'admin'): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port()}/tokens`, {
    method: 'POST',
    headers: { ...authorization(), 'content-type': 'application/json' },
    body: JSON.stringify({ name, role }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { token: string }).token;
}

describe('authentication', () => {
  it('closes a socket that sends no subscribe frame with 4401 after the timeout', async () => {
    const client = await connectLive(port());
    expect(await client.closed).toBe(LiveStreamCloseCode.Unauthenticated);
    expect(client.frames).toContainEqual(expect.objectContaining({ type: 'error', code: 'UNAUTHENTICATED' }));
  });

  it('closes with 4401 for a wrong token and 4400 for a bad frame, sending nothing else', async () => {
    const wrong = await connectLive(port());
    wrong.send({ type: 'subscribe', token: 'vgl_not-a-token-of-this-cluster-000000000000000000' });
    expect(await wrong.closed).toBe(LiveStreamCloseCode.Unauthenticated);

    for (const frame of ['not json', { type: 'subscribe' }, { type: 'subscribe', token: TEST_ADMIN_TOKEN, kinds: ['nope'] }, { type: 'subscribe', token: TEST_ADMIN_TOKEN, ids: Array.from({ length: 101 }, (_, i) => `s${i}`) }, { type: 'subscribe', token: TEST_ADMIN_TOKEN, resume: 'x' }, { type: 'subscribe', token: TEST_ADMIN_TOKEN, extra: 1 }, { type: 'subscribe', token: 'vgl_\u0000' }]) {
      const client = await connectLive(port());
      client.send(frame);
      expect(await client.closed, JSON.stringify(frame)).toBe(LiveStreamCloseCode.ProtocolError);
      expect(client.frames.map((f) => f.type)).toEqual(['error']);
    }
  });

  it('accepts a viewer token, and ends the stream once the token is revoked', async () => {
    const token = await createToken('live-viewer', 'viewer');
    const client = await subscribeLive(port(), { token });
    const response = await fetch(`http://127.0.0.1:${port()}/tokens/live-viewer`, { method: 'DELETE', headers: authorization() });
    expect(response.status).toBe(200);
    expect(await client.closed).toBe(LiveStreamCloseCode.Unauthenticated);
    expect(client.frames).toContainEqual(expect.objectContaining({ type: 'error', code: 'UNAUTHENTICATED' }));
  });
});

describe('filters', () => {
  it('sends each client only what matches its kinds, ids and systems (and triggers only when asked)', async () => {
    const systemsA = await subscribe({ systems: ['f-sys-a'], triggers: true });
    const systemsB = await subscribe({ systems: ['f-sys-b'] });
    const groups = await subscribe({ kinds: ['group'] });
    const ids = await subscribe({ ids: ['f-sys-a'] });
    const failure = (checkId: string) => ({ type: 'check_result', checkId, source: 'test', success: false, executedAt: Date.now() });

    await dispatch('system', 'f-sys-a', { type: 'create', name: 'A' });
    await dispatch('system', 'f-sys-b', { type: 'create', name: 'B' });
    await dispatch('health', 'f-sys-a', failure('c1'));
    await dispatch('health', 'f-sys-b', failure('c1'));
    await dispatch('group', 'f-grp-1', { type: 'create', name: 'G1' });
    await dispatch('incident', 'f-inc-1', { type: 'create', title: 'both', systemIds: ['f-sys-a', 'f-sys-b'], severity: 'minor' });
    // Last, one change each client matches: once it has arrived, every earlier one has too (stream order).
    await dispatch('health', 'f-sys-b', failure('c2'));
    await dispatch('system', 'f-sys-a', { type: 'update', description: 'last' });
    await dispatch('group', 'f-grp-2', { type: 'create', name: 'G2' });

    const arrived = (client: LiveClient, key: string) => waitFor(() => keys(client).includes(key), 15_000, key);
    await arrived(systemsA, 'system:f-sys-a:2');
    await arrived(systemsB, 'health:f-sys-b:2');
    await arrived(groups, 'group:f-grp-2:1');
    await arrived(ids, 'system:f-sys-a:2');

    expect(keys(systemsA)).toEqual(expect.arrayContaining(['system:f-sys-a:1', 'health:f-sys-a:1', 'incident:f-inc-1:1', 'system:f-sys-a:2']));
    expect(keys(systemsA).filter((key) => key.includes('f-sys-b') || key.includes('f-grp'))).toEqual([]);
    expect(keys(systemsB)).toEqual(expect.arrayContaining(['system:f-sys-b:1', 'health:f-sys-b:1', 'incident:f-inc-1:1', 'health:f-sys-b:2']));
    expect(keys(systemsB).filter((key) => key.includes('f-sys-a') || key.includes('f-grp'))).toEqual([]);
    expect(keys(groups)).toEqual(['group:f-grp-1:1', 'group:f-grp-2:1']);
    expect(keys(ids)).toEqual(['system:f-sys-a:1', 'health:f-sys-a:1', 'system:f-sys-a:2']);

    // Triggers: only the client that asked, only of its system.
    const created = await systemsA.frame((frame) => frame.type === 'trigger' && (frame.trigger as { trigger: string }).trigger === 'catalog.created', 'catalog.created of f-sys-a');
    expect((created.trigger as { payload: { systemId: string } }).payload.systemId).toBe('f-sys-a');
    const triggersOfA = systemsA.frames.filter((f) => f.type === 'trigger').map((f) => f.trigger as { trigger: string; payload: { systemId?: string; systemIds?: string[] } });
    expect(triggersOfA.map((trigger) => trigger.trigger)).toEqual(expect.arrayContaining(['catalog.created', 'incident.created']));
    for (const trigger of triggersOfA) expect(trigger.payload.systemId === 'f-sys-a' || trigger.payload.systemIds?.includes('f-sys-a'), JSON.stringify(trigger)).toBe(true);
    for (const client of [systemsB, groups, ids]) expect(client.frames.filter((frame) => frame.type === 'trigger')).toEqual([]);
    // Cursors only grow.
    const cursors = systemsA.frames.map((frame) => frame.cursor as string).map((cursor) => cursor.split('.').map(Number) as [number, number]);
    for (let i = 1; i < cursors.length; i++) expect(cursors[i]![0] >= cursors[i - 1]![0] && cursors[i]![1] >= cursors[i - 1]![1]).toBe(true);
    for (const client of [systemsA, systemsB, groups, ids]) client.ws.close();
  });
});

describe('resume', () => {
  it('a client disconnected mid-stream resumes with nothing missing and nothing twice', async () => {
    const entities = ['r-1', 'r-2', 'r-3'];
    const perEntity = 100;
    const total = entities.length * perEntity;
    let produced = 0;
    const first = await subscribe({ kinds: ['system'], ids: entities, triggers: true });
    const producing = (async () => {
      for (let version = 1; version <= perEntity; version++) {
        for (const id of entities) {
          await dispatch('system', id, version === 1 ? { type: 'create', name: id } : { type: 'update', description: `v${version}` });
          produced++;
        }
      }
    })();
    // Gone mid-stream, without a close handshake (a dropped connection).
    await waitFor(() => first.changes().length >= 60, 30_000, 'the first 60 changes');
    first.ws.terminate();
    await first.closed;
    const seenFirst = keys(first);
    const cursor = first.lastCursor()!;
    expect(seenFirst.length).toBeLessThan(total);
    // Changes keep coming while it is away.
    await waitFor(() => produced >= seenFirst.length + 100, 30_000, '100 changes produced while away');

    const second = await subscribe({ kinds: ['system'], ids: entities, triggers: true, resume: cursor });
    expect(second.frames[0]).toEqual({ type: 'subscribed', cursor });
    await producing;
    await waitFor(() => second.changes().length >= total - seenFirst.length, 60_000, 'every remaining change');
    const union = [...seenFirst, ...keys(second)];
    expect(new Set(union).size, 'no duplicate').toBe(union.length);
    for (const id of entities) {
      const versions = union.filter((key) => key.startsWith(`system:${id}:`)).map((key) => Number(key.split(':')[2])).sort((a, b) => a - b);
      expect(versions, id).toEqual(Array.from({ length: perEntity }, (_, i) => i + 1));
    }
    // And the triggers (catalog.created / catalog.updated per change), also exactly once each.
    const triggerFrames = () => [...first.frames, ...second.frames].filter((frame) => frame.type === 'trigger').length;
    await waitFor(() => triggerFrames() >= total, 30_000, 'every trigger');
    const triggerKeys = [...first.frames, ...second.frames]
      .filter((frame) => frame.type === 'trigger')
      .map((frame) => frame.trigger as { trigger: string; source: { id: string; version: number } })
      .filter((trigger) => entities.includes(trigger.source.id))
      .map((trigger) => `${trigger.trigger}:${trigger.source.id}:${trigger.source.version}`);
    expect(triggerKeys.length).toBe(total);
    expect(new Set(triggerKeys).size).toBe(total);
    second.ws.close();
  }, scaled(120_000));

  it('a cursor older than the streams hold gets reset, then live changes', async () => {
    // Sequence 0 is before anything; the streams start at 1, so only a cursor beyond their end is stale here.
    const client = await subscribe({ ids: ['reset-1'], resume: '999999999.999999999' });
    await client.frame((frame) => frame.type === 'reset', 'reset');
    await dispatch('system', 'reset-1', { type: 'create', name: 'after reset' });
    await waitFor(() => keys(client).includes('system:reset-1:1'), 15_000, 'a live change after the reset');
    client.ws.close();
  });
});

describe('a slow client', () => {
  it('is closed with 4008 when it stops reading, while another client keeps receiving everything', async () => {
    await waitFor(() => node.liveStream.connected() === 0, 15_000, 'the clients of earlier tests gone');
    const slow = await subscribe({ ids: ['slow-1'] });
    const healthy = await subscribe({ ids: ['slow-1'] });
    expect(node.liveStream.connected()).toBe(2);
    (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    // About 80 KB per change (the payload in prev and next): far more than the socket buffers and the 256 KiB limit.
    const blob = 'x'.repeat(40_000);
    const count = 150;
    await dispatch('system', 'slow-1', { type: 'create', name: 'slow' });
    for (let i = 2; i <= count; i++) await dispatch('system', 'slow-1', { type: 'update', metadata: { blob, i } });
    // Closed by the node while it still reads nothing.
    await waitFor(() => node.liveStream.connected() === 1, 30_000, 'the slow client closed by the node');
    await waitFor(() => healthy.changes().length === count, 30_000, `the other client got all ${count} changes`);
    expect(healthy.changes().map((change) => change.version)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await slow.closed).toBe(LiveStreamCloseCode.TooSlow);
    expect(slow.changes().length).toBeLessThan(count);
    healthy.ws.close();
  }, scaled(90_000));
});
