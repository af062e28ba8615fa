import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../node/index.ts';
import { SATELLITE_PATH } from '../../protocol/satellite-protocol.ts';
import { useIsolation } from '../support/fixtures.ts';
import { NodeProcess } from '../support/node-process.ts';
import { scaled } from '../support/time-scale.ts';

const isolation = useIsolation();
const satelliteIds = ['edge-1', 'edge-2', 'edge-3'];
const tokens = Object.fromEntries(satelliteIds.map((id, index) => [`TOKEN_${index}`, `${id}.fixed-port-secret-${index}-abcdefghijklmnop`]));

/** A setup file that registers the satellites with the tokens above (`tokenEnv`). */
function setupFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'vigil-setup-')), 'setup.yaml');
  const satellites = satelliteIds.map((id, index) => `  - { id: ${id}, name: ${id}, region: local, heartbeatThresholdMs: 60000, tokenEnv: TOKEN_${index} }`);
  writeFileSync(file, `satellites:\n${satellites.join('\n')}\n`);
  return file;
}

/** Connects every satellite over a raw WebSocket and resolves once each is authenticated. */
async function connectSatellites(port: number): Promise<WebSocket[]> {
  return Promise.all(
    Object.values(tokens).map(
      (token) =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}${SATELLITE_PATH}`, { headers: { authorization: `Bearer ${token}` } });
          ws.on('message', (data) => {
            if ((JSON.parse(data.toString()) as { type?: string }).type === 'authenticated') resolve(ws);
          });
          ws.on('error', reject);
          ws.on('close', (code) => reject(new Error(`closed ${code} before authenticated`)));
        }),
    ),
  );
}

describe('a node restarted on its fixed HTTP port with satellites connected', () => {
  it('listens at once after SIGTERM and after kill -9, and a second live node on that port is refused', async () => {
    const port = await freePort();
    const env = { VIGIL_HTTP_PORT: String(port), VIGIL_SETUP_FILE: setupFile(), ...tokens };
    const node = new NodeProcess({ databaseUrl: isolation.databaseUrl, namespace: isolation.namespace, nodeId: 'fixed-port', env });
    isolation.defer(() => node.kill());
    await node.start();
    expect(node.port).toBe(port);

    const readyTimes: Record<string, number> = {};
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      const satellites = await connectSatellites(port);
      await node.kill(signal);
      const startedAt = Date.now();
      await node.start();
      readyTimes[signal] = Date.now() - startedAt;
      // Bound on the first try: no wait for sockets the previous process left on the port.
      expect(node.output).not.toContain('cannot listen yet');
      expect(node.port).toBe(port);
      for (const ws of satellites) ws.terminate();
    }
    const satellites = await connectSatellites(port);
    expect(satellites).toHaveLength(3);

    // Another live node on the same port fails at once with a message naming the listener.
    const intruder = new NodeProcess({ databaseUrl: isolation.databaseUrl, namespace: isolation.namespace, nodeId: 'intruder', env: { VIGIL_HTTP_PORT: String(port) } });
    isolation.defer(() => intruder.kill());
    const refused = await intruder.start().catch((error: Error) => error);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(/node exited \(2\) before ready/);
    expect((refused as Error).message).toContain(`pid ${node.pid}`);
    expect((refused as Error).message).toContain(`listens on port ${port}`);
    expect((await node.url('/readyz')).status).toBe(200);
    for (const ws of satellites) ws.terminate();
    console.info(`restart on fixed port ${port} with 3 satellites connected, spawn to ready: after SIGTERM ${readyTimes.SIGTERM} ms, after kill -9 ${readyTimes.SIGKILL} ms`);
  }, scaled(180_000));
});
