import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useIsolation } from '../support/fixtures.ts';
import { authorization } from '../support/isolation.ts';
import { glibcAtLeast } from '../../gateway/uws.ts';
import { NodeProcess } from '../support/node-process.ts';
import { nodeRuntime } from '../support/node-runtime.ts';
import { startAgentProcess } from '../support/satellite-agent.ts';
import { waitFor } from '../support/stream-reader.ts';
import { scaled } from '../support/time-scale.ts';

/**
 * The smoke subset, on the machine's Node and on Node 24 (the users' LTS, from the npm registry;
 * see test/support/node-runtime.ts): a node process starts, takes a command, a satellite agent
 * connects and reports, an automation runs. Everything through the built bins and the wire; the
 * node and the agent run on the Node under test, the test itself on the machine's.
 */
const isolation = useIsolation();
const site = createServer((_request, response) => response.end('ok'));

beforeAll(() => new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve)));
afterAll(() => new Promise((resolve) => site.close(resolve)));

const runtimes = [
  { label: 'the machine', binary: async () => process.execPath, modernGlibc: glibcAtLeast('2.38') },
  // scripts/node-runtime.sh runs it on glibc 2.38 or newer (Debian 13's, where the machine's is older).
  { label: 'Node 24', binary: () => nodeRuntime(24), modernGlibc: true },
];

describe.each(runtimes)('smoke on $label', ({ label, binary, modernGlibc }) => {
  let node: NodeProcess;
  let nodeBinary: string;
  const suffix = label === 'Node 24' ? '24' : 'machine';

  beforeAll(async () => {
    nodeBinary = await binary();
    node = new NodeProcess({ databaseUrl: isolation.databaseUrl, namespace: isolation.namespace, nodeId: `smoke-${suffix}`, nodeBinary });
    await node.start();
  }, scaled(240_000));
  afterAll(() => node.kill());

  async function call(method: string, path: string, body?: unknown): Promise<Record<string, any>> {
    const response = await fetch(`http://127.0.0.1:${node.port}${path}`, { method, headers: authorization(), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const json = (await response.json()) as Record<string, any>;
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  }

  it('runs the node on that Node with the native uWebSockets.js build for it', () => {
    const ready = JSON.parse(node.output.split('\n').find((line) => line.includes('"msg":"vigil node ready"'))!) as { node: string; uWebSockets: string };
    if (label === 'Node 24') expect(ready.node).toMatch(/^v24\./);
    else expect(ready.node).toBe(process.version);
    const abi = ready.node.startsWith('v24.') ? 137 : process.versions.modules;
    const build = modernGlibc ? '@btc-vision/uwebsockets.js' : '@trufflesuite/uws-js-unofficial';
    expect(ready.uWebSockets).toMatch(new RegExp(`^${build.replace(/[./]/g, '\\$&')}@[\\w.-]+ uws_linux_x64_${abi}\\.node$`));
    expect(node.output).not.toMatch(/Falling back|fallback/i);
  });

  it('a node takes a command, a satellite connects and reports, an automation runs', async () => {
    const system = `shop-${suffix}`;
    const automation = `log-incidents-${suffix}`;
    expect((await call('POST', `/entities/system/${system}/events`, { type: 'create', name: 'Shop' })).change).toMatchObject({ version: 1, cause: { actor: 'token:admin' } });

    await call('POST', `/entities/automation/${automation}/events`, {
      type: 'save',
      definition: { id: automation, name: 'log incidents', triggers: [{ id: 'opened', event: 'incident.created' }], actions: [{ action: 'automation.log', config: { message: 'incident {{ trigger.payload.incidentId }}' } }] },
    });
    await call('POST', `/entities/satellite/edge-${suffix}/events`, { type: 'register', name: 'Edge', region: 'local' });
    const { token } = await call('POST', `/satellites/edge-${suffix}/token`);
    const { port } = site.address() as AddressInfo;
    await call('POST', `/entities/check/${system}-home/events`, { type: 'create', systemId: system, strategy: { kind: 'http', url: `http://127.0.0.1:${port}/`, timeoutMs: 2000 }, intervalMs: 1000, satelliteIds: [`edge-${suffix}`] });

    const agent = startAgentProcess(token as string, [node.port], {}, nodeBinary);
    isolation.defer(() => agent.kill());
    await waitFor(async () => (await call('GET', `/entities/satellite/edge-${suffix}`)).stateValue === 'online', 20_000, 'the satellite online');
    await waitFor(async () => (await call('GET', `/entities/health/${system}`)).version > 0, 20_000, "the satellite's first result in the system's health");

    await call('POST', `/entities/incident/inc-${suffix}/events`, { type: 'create', title: 'Smoke', severity: 'minor', systemIds: [system] });
    const run = await waitFor(async () => (await call('GET', `/entities/automation_run?filter.automationId=${automation}`)).items.find((item: { state: { status: string } }) => item.state.status === 'succeeded'), 20_000, 'a succeeded run');
    expect(run.state.steps).toHaveLength(1);
  });
});
