import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../node/index.ts';
import { SatelliteCredentialStore } from '../../persistence/index.ts';
import { useTestNode } from '../support/fixtures.ts';
import { startTestNode } from '../support/test-node.ts';
import { readStream, waitFor } from '../support/stream-reader.ts';
import { scaled } from '../support/time-scale.ts';

const fixture = useTestNode();
const agentBin = fileURLToPath(new URL('../../bin/vigil-satellite.js', import.meta.url));
let site: Server;
let sitePort = 0;
let failing = false;
let agent: ChildProcess | undefined;

beforeAll(async () => {
  sitePort = await freePort();
  site = createServer((_request, response) => {
    response.writeHead(failing ? 500 : 200).end(failing ? 'broken' : 'ok');
  });
  await new Promise<void>((resolve) => site.listen(sitePort, '127.0.0.1', resolve));
});

afterAll(async () => {
  agent?.kill('SIGKILL');
  await new Promise((resolve) => site.close(resolve));
});

/** Starts the real `vigil-satellite` program against one gateway, heartbeating every second. */
function startAgent(token: string, port: number, extra: { env?: Record<string, string>; nodeArguments?: string[] } = {}): { child: ChildProcess; readonly output: string } {
  const child = spawn(process.execPath, [...(extra.nodeArguments ?? []), agentBin], {
    env: { ...process.env, VIGIL_SATELLITE_TOKEN: token, VIGIL_GATEWAYS: `ws://127.0.0.1:${port}`, VIGIL_SATELLITE_HEARTBEAT_MS: '1000', ...extra.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started = { child, output: '' };
  child.stdout!.on('data', (chunk: Buffer) => (started.output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (started.output += chunk));
  return started;
}

const healthStatus = async () => ((await fixture.node.runtime.get('health', 'shop')).state as { status: string } | null)?.status;

describe('the vigil-satellite agent against a real node', () => {
  it('runs its assigned HTTP check; health follows the site down and up; killing it disconnects the satellite', async () => {
    const { token } = await new SatelliteCredentialStore(fixture.node.database).issue('edge-1');
    await fixture.node.router.dispatch('system', 'shop', { type: 'create', name: 'Shop' });
    await fixture.node.router.dispatch('satellite', 'edge-1', { type: 'register', name: 'Edge 1', region: 'local', heartbeatThresholdMs: 5_000 });
    await fixture.node.router.dispatch('check', 'home', {
      type: 'create',
      systemId: 'shop',
      strategy: { kind: 'http', url: `http://127.0.0.1:${sitePort}/`, timeoutMs: 1_000 },
      intervalMs: 1_000,
      satelliteIds: ['edge-1'],
    });

    const started = startAgent(token, fixture.node.http.port);
    agent = started.child;
    const output = () => started.output;

    await waitFor(async () => (await fixture.node.runtime.get('satellite', 'edge-1')).stateValue === 'online', 20_000, `satellite online\n${output()}`);
    // The agent names itself in the upgrade; the session shows which version runs where.
    expect((await fixture.node.runtime.get('satellite', 'edge-1')).state).toMatchObject({ session: { agent: expect.stringMatching(/^vigil-satellite\/\d+\.\d+\.\d+\S* node\/\d+\.\d+\.\d+$/) } });
    await waitFor(async () => (await healthStatus()) === 'healthy', 15_000, 'first results');

    failing = true;
    await waitFor(async () => (await healthStatus()) === 'degraded', 15_000, 'degraded after 2 failures');
    await waitFor(async () => (await healthStatus()) === 'unhealthy', 15_000, 'unhealthy after 5 failures');
    failing = false;
    await waitFor(async () => (await healthStatus()) === 'healthy', 15_000, 'healthy after a success');

    const statuses = (await fixture.node.runtime.history('health', 'shop')).map((row) => (row.next as { status: string }).status);
    expect(statuses.filter((status, index) => status !== statuses[index - 1])).toEqual(['healthy', 'degraded', 'unhealthy', 'healthy']);
    const bus = fixture.node.bus;
    const triggers = async (id: string) => (await readStream(bus, bus.subjects.streams.trigger, bus.subjects.trigger(id))).length;
    await waitFor(async () => (await triggers('healthcheck.system.healthy')) === 1, 5_000, 'triggers published');
    expect(await triggers('healthcheck.system.degraded')).toBe(1);
    expect(await triggers('healthcheck.system.health_changed')).toBe(3);

    agent.kill('SIGKILL');
    await waitFor(async () => (await triggers('satellite.disconnected')) === 1, 10_000, 'satellite.disconnected');
    expect(await triggers('satellite.heartbeat_lost')).toBe(0); // heard from less than the threshold ago
    // No heartbeat for the threshold (5 s): heartbeat_lost follows, once.
    await waitFor(async () => (await triggers('satellite.heartbeat_lost')) === 1, 15_000, 'satellite.heartbeat_lost');
    expect((await fixture.node.runtime.get('satellite', 'edge-1')).state).toMatchObject({ status: 'offline', connected: false, offlineReason: 'heartbeat_lost' });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await triggers('satellite.heartbeat_lost')).toBe(1);
    expect(await triggers('satellite.disconnected')).toBe(1);
  }, scaled(90_000));

  it('keeps the results it ran while no node was reachable and delivers them after reconnecting', async () => {
    const { token } = await new SatelliteCredentialStore(fixture.node.database).issue('edge-2');
    await fixture.node.router.dispatch('system', 'api', { type: 'create', name: 'API' });
    await fixture.node.router.dispatch('satellite', 'edge-2', { type: 'register', name: 'Edge 2', region: 'local' });
    await fixture.node.router.dispatch('check', 'api-home', {
      type: 'create',
      systemId: 'api',
      strategy: { kind: 'http', url: `http://127.0.0.1:${sitePort}/`, timeoutMs: 1_000 },
      intervalMs: 1_000,
      satelliteIds: ['edge-2'],
    });
    // The agent knows one gateway only: a second node of the cluster, which the test stops and restarts.
    const port = await freePort();
    const startGateway = () => startTestNode({ databaseUrl: fixture.databaseUrl, namespace: fixture.namespace, nodeId: 'gateway', env: { VIGIL_HTTP_PORT: String(port) } });
    let gateway = await startGateway();
    const started = startAgent(token, port);
    agent = started.child;
    const output = () => started.output;
    const apiStatuses = async () => (await fixture.node.runtime.history('health', 'api')).map((row) => (row.next as { status: string }).status);
    await waitFor(async () => (await apiStatuses()).length > 0, 20_000, `first results\n${output()}`);

    // While the gateway is down the site fails for ~6 checks, then recovers before the gateway is back:
    // only the results kept by the agent can make the system degraded and unhealthy.
    await gateway.stop();
    failing = true;
    await new Promise((resolve) => setTimeout(resolve, 6_500));
    failing = false;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    gateway = await startGateway();
    try {
      await waitFor(async () => (await apiStatuses()).includes('unhealthy'), 40_000, `the kept failures delivered\n${output()}`);
      await waitFor(async () => ((await fixture.node.runtime.get('health', 'api')).state as { status: string }).status === 'healthy', 10_000, 'then the later successes');
      const statuses = await apiStatuses();
      expect(statuses.filter((status, index) => status !== statuses[index - 1])).toEqual(['healthy', 'degraded', 'unhealthy', 'healthy']);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nhealth of api: ${JSON.stringify(await fixture.node.runtime.history('health', 'api'))}\nagent output:\n${output()}`);
    } finally {
      agent.kill('SIGKILL');
      await gateway.stop();
    }
  }, scaled(90_000));

  it('drops the results Vigil refuses (its clock an hour ahead) instead of sending them again', async () => {
    const { token } = await new SatelliteCredentialStore(fixture.node.database).issue('edge-3');
    await fixture.node.router.dispatch('system', 'ahead', { type: 'create', name: 'Ahead' });
    await fixture.node.router.dispatch('satellite', 'edge-3', { type: 'register', name: 'Edge 3', region: 'local' });
    await fixture.node.router.dispatch('check', 'ahead-home', {
      type: 'create',
      systemId: 'ahead',
      strategy: { kind: 'http', url: `http://127.0.0.1:${sitePort}/`, timeoutMs: 1_000 },
      intervalMs: 1_000,
      satelliteIds: ['edge-3'],
    });
    // The agent's clock runs an hour ahead; unacknowledged results would be sent again after 1 s.
    const started = startAgent(token, fixture.node.http.port, {
      env: { VIGIL_SATELLITE_ACK_TIMEOUT_MS: '1000' },
      nodeArguments: ['--import', 'data:text/javascript,const now = Date.now; Date.now = () => now() + 3600000;'],
    });
    agent = started.child;
    const refusals = () =>
      started.output
        .split('\n')
        .filter((line) => line.includes('result refused by Vigil'))
        .map((line) => JSON.parse(line) as { resultId: string; code: string });
    try {
      // Enough checks ran that a result kept after its refusal would have been re-sent (and refused again) meanwhile.
      await waitFor(() => refusals().length >= 6, 30_000, `six refusals\n${started.output}`);
      const ids = refusals().map((refusal) => refusal.resultId);
      expect(new Set(ids).size).toBe(ids.length); // each refused once: dropped, never re-sent
      expect(new Set(refusals().map((refusal) => refusal.code))).toEqual(new Set(['EXECUTED_IN_FUTURE']));
      expect(started.output).not.toContain('sending them again');
      expect((await fixture.node.runtime.get('health', 'ahead')).version).toBe(0); // nothing stored
    } finally {
      agent.kill('SIGKILL');
    }
  }, scaled(60_000));
});

