import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useIsolation } from '../support/fixtures.ts';
import { authorization } from '../support/isolation.ts';
import { NodeProcess } from '../support/node-process.ts';
import { startAgentProcess } from '../support/satellite-agent.ts';
import { waitFor } from '../support/stream-reader.ts';

/**
 * The smoke subset `.ci/run` also runs on the current Node LTS (installed from the npm registry):
 * a node process starts, takes a command, a satellite agent connects and reports, an automation
 * runs. Everything through the built bins and the wire, on whatever Node runs this file.
 */
const isolation = useIsolation();
let node: NodeProcess;
const site = createServer((_request, response) => response.end('ok'));

beforeAll(async () => {
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  node = new NodeProcess({ databaseUrl: isolation.databaseUrl, namespace: isolation.namespace, nodeId: 'smoke' });
  isolation.defer(() => node.kill());
  await node.start();
});
afterAll(() => new Promise((resolve) => site.close(resolve)));

async function call(method: string, path: string, body?: unknown): Promise<Record<string, any>> {
  const response = await fetch(`http://127.0.0.1:${node.port}${path}`, { method, headers: authorization(), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const json = (await response.json()) as Record<string, any>;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

describe(`smoke on Node ${process.version}`, () => {
  it('a node takes a command, a satellite connects and reports, an automation runs', async () => {
    expect((await call('POST', '/entities/system/shop/events', { type: 'create', name: 'Shop' })).change).toMatchObject({ version: 1, cause: { actor: 'token:admin' } });

    await call('POST', '/entities/automation/log-incidents/events', {
      type: 'save',
      definition: { id: 'log-incidents', name: 'log incidents', triggers: [{ id: 'opened', event: 'incident.created' }], actions: [{ action: 'automation.log', config: { message: 'incident {{ trigger.payload.incidentId }}' } }] },
    });
    await call('POST', '/entities/satellite/edge/events', { type: 'register', name: 'Edge', region: 'local' });
    const { token } = await call('POST', '/satellites/edge/token');
    const { port } = site.address() as AddressInfo;
    await call('POST', '/entities/check/shop-home/events', { type: 'create', systemId: 'shop', strategy: { kind: 'http', url: `http://127.0.0.1:${port}/`, timeoutMs: 2000 }, intervalMs: 1000, satelliteIds: ['edge'] });

    const agent = startAgentProcess(token as string, [node.port]);
    isolation.defer(() => agent.kill());
    await waitFor(async () => (await call('GET', '/entities/satellite/edge')).stateValue === 'online', 20_000, 'the satellite online');
    await waitFor(async () => (await call('GET', '/entities/health/shop')).version > 0, 20_000, "the satellite's first result in the system's health");

    await call('POST', '/entities/incident/inc-smoke/events', { type: 'create', title: 'Smoke', severity: 'minor', systemIds: ['shop'] });
    const run = await waitFor(async () => (await call('GET', '/entities/automation_run?filter.automationId=log-incidents')).items.find((item: { state: { status: string } }) => item.state.status === 'succeeded'), 20_000, 'a succeeded run');
    expect(run.state.steps).toHaveLength(1);
  });
});
