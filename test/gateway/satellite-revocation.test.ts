import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VigilNode } from '../../node/index.ts';
import { SatelliteCredentialStore } from '../../persistence/index.ts';
import { SatelliteCloseCode } from '../../protocol/satellite-protocol.ts';
import { useIsolation } from '../support/fixtures.ts';
import { connectSatellite } from '../support/satellite-client.ts';
import { waitFor } from '../support/stream-reader.ts';
import { startTestNode } from '../support/test-node.ts';
import { scaled } from '../support/time-scale.ts';

/**
 * Rotating or removing a satellite's credential closes its live sessions on every node: at once
 * through the notice on `<ns>.satellite.<id>.credential`, and — when no notice came — within the
 * re-check period.
 */
const isolation = useIsolation();
let first: VigilNode;
let second: VigilNode;
/** Re-checks every 300 ms: the safety net, for credential changes made without a notice. */
let checking: VigilNode;

beforeAll(async () => {
  // The first two re-check only every 10 minutes: whatever closes a session there within the
  // test's timeouts is the notice.
  const slow = { VIGIL_SATELLITE_CREDENTIAL_RECHECK_MS: '600000' };
  first = await startTestNode({ databaseUrl: isolation.databaseUrl, namespace: isolation.namespace, nodeId: 'first', env: slow });
  second = await startTestNode({ databaseUrl: isolation.databaseUrl, namespace: isolation.namespace, nodeId: 'second', env: slow });
  checking = await startTestNode({ databaseUrl: isolation.databaseUrl, namespace: isolation.namespace, nodeId: 'checking', env: { VIGIL_SATELLITE_CREDENTIAL_RECHECK_MS: '300' } });
  for (const id of ['sat-r', 'sat-x', 'sat-q', 'sat-g']) await first.router.dispatch('satellite', id, { type: 'register', name: id, region: 'eu' });
}, scaled(60_000));

afterAll(async () => {
  await Promise.all([first, second, checking].map((node) => node?.stop()));
});

const online = async (port: number, token: string) => {
  const client = await connectSatellite(port, token);
  await client.frame((frame) => frame.type === 'authenticated', 'authenticated');
  return client;
};
const state = async (id: string) => (await first.runtime.get('satellite', id)).state as { connected: boolean; session: { node: string; id: string } | null } | null;

describe('a rotated or removed satellite credential', () => {
  it('closes the live session on another node at once (4401); the old token is refused, the new one works', async () => {
    const { token } = await first.satelliteAccess.issue('sat-r');
    const client = await online(second.http.port, token);
    await waitFor(async () => (await state('sat-r'))?.session?.node === 'second', 5_000, 'connected through the second node');

    const rotated = await first.satelliteAccess.rotate('sat-r');
    expect(rotated.announced).toBe(true);
    expect(await client.closed).toBe(SatelliteCloseCode.Revoked);
    expect(client.frames).toContainEqual(expect.objectContaining({ type: 'error', code: 'REVOKED' }));
    await waitFor(async () => (await state('sat-r'))?.connected === false, 5_000, 'marked disconnected');
    await expect(connectSatellite(second.http.port, token)).rejects.toThrow('HTTP 401');

    const again = await online(first.http.port, rotated.token);
    await waitFor(async () => (await state('sat-r'))?.session?.node === 'first', 5_000, 'connected with the new token');
    again.ws.close();
  });

  it('closes the live session on every node when the satellite is removed', async () => {
    const { token } = await first.satelliteAccess.issue('sat-x');
    const client = await online(first.http.port, token);
    // Removed through the other node's access: the notice reaches the node holding the socket.
    expect(await second.satelliteAccess.remove('sat-x')).toEqual({ removed: true, announced: true });
    expect(await client.closed).toBe(SatelliteCloseCode.Revoked);
    await expect(connectSatellite(first.http.port, token)).rejects.toThrow('HTTP 401');
  });

  it('is found by the periodic re-check when no notice was sent (rotation or removal straight in the database)', async () => {
    const store = new SatelliteCredentialStore(first.database);
    const { token } = await store.issue('sat-q');
    const rotatedSilently = await online(checking.http.port, token);
    await store.issue('sat-q'); // a new generation, no notice
    expect(await rotatedSilently.closed).toBe(SatelliteCloseCode.Revoked);

    const { token: token2 } = await store.issue('sat-g');
    const removedSilently = await online(checking.http.port, token2);
    // Removed and added again with the same id: the old session's generation is still not the new one's.
    await store.remove('sat-g');
    await store.issue('sat-g');
    expect(await removedSilently.closed).toBe(SatelliteCloseCode.Revoked);
  });

  it('leaves sessions of the current credential open', async () => {
    const { token } = await first.satelliteAccess.issue('sat-r');
    const client = await online(checking.http.port, token);
    await checking.http.recheckSatelliteCredentials();
    // Another satellite's rotation does not touch it either.
    await first.satelliteAccess.rotate('sat-q');
    await checking.http.recheckSatelliteCredentials();
    // The socket still delivers: a heartbeat sent after the re-checks moves lastSeenAt.
    const seenBefore = ((await first.runtime.get('satellite', 'sat-r')).state as { lastSeenAt: number }).lastSeenAt;
    client.ws.send(JSON.stringify({ type: 'heartbeat', agentVersion: 'test', uptimeSeconds: 1 }));
    await waitFor(async () => ((await first.runtime.get('satellite', 'sat-r')).state as { lastSeenAt: number }).lastSeenAt > seenBefore, 5_000, 'heartbeat applied');
    expect(checking.http.satelliteSessionHeld('sat-r')).toBeDefined();
    expect(client.frames.some((frame) => frame.type === 'error')).toBe(false);
    client.ws.close();
    expect(await client.closed).toBe(1005);
  });
});
