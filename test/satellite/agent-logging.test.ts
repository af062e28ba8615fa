import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../node/index.ts';
import { SatelliteCredentialStore } from '../../persistence/index.ts';
import { useTestNode } from '../support/fixtures.ts';
import { agentLogLines, startAgentProcess } from '../support/satellite-agent.ts';
import { waitFor } from '../support/stream-reader.ts';

const fixture = useTestNode();
let site: Server;

beforeAll(async () => {
  site = createServer((_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise((resolve) => site.close(resolve)));

describe('the agent logs', () => {
  it('at debug, one line per check result (ok and fail, with the error); every summary interval, a summary; never the token', async () => {
    const { token } = await new SatelliteCredentialStore(fixture.node.database).issue('edge-log');
    await fixture.node.router.dispatch('system', 'logged', { type: 'create', name: 'Logged' });
    await fixture.node.router.dispatch('satellite', 'edge-log', { type: 'register', name: 'Edge log', region: 'local' });
    const { port: sitePort } = site.address() as AddressInfo;
    const closedPort = await freePort(); // nothing listens there: the TCP check fails
    await fixture.node.router.dispatch('check', 'log-up', { type: 'create', systemId: 'logged', strategy: { kind: 'http', url: `http://127.0.0.1:${sitePort}/`, timeoutMs: 1_000 }, intervalMs: 1_000, satelliteIds: ['edge-log'] });
    await fixture.node.router.dispatch('check', 'log-down', { type: 'create', systemId: 'logged', strategy: { kind: 'tcp', host: '127.0.0.1', port: closedPort, timeoutMs: 1_000 }, intervalMs: 1_000, satelliteIds: ['edge-log'] });

    const agent = startAgentProcess(token, [fixture.node.http.port], { VIGIL_SATELLITE_LOG_LEVEL: 'debug', VIGIL_SATELLITE_SUMMARY_INTERVAL_MS: '1000' });
    fixture.defer(() => agent.kill());
    const lines = () => agentLogLines(agent.output);
    const results = () => lines().filter((line) => line.msg === 'check result');

    const ok = await waitFor(() => results().find((line) => line.checkId === 'log-up'), 20_000, `a result of log-up\n${agent.output}`);
    expect(ok).toEqual({ level: 'debug', time: expect.any(String), msg: 'check result', checkId: 'log-up', status: 'ok', latencyMs: expect.any(Number) });
    const failed = await waitFor(() => results().find((line) => line.checkId === 'log-down'), 20_000, `a result of log-down\n${agent.output}`);
    expect(failed).toMatchObject({ level: 'debug', checkId: 'log-down', status: 'fail', latencyMs: expect.any(Number), error: expect.stringContaining('ECONNREFUSED') });

    // A summary of a period in which both checks ran and Vigil acknowledged results.
    const gateway = `ws://127.0.0.1:${fixture.node.http.port}`;
    const summary = await waitFor(
      () => lines().find((line) => line.msg === 'summary' && (line.checksOk as number) > 0 && (line.checksFailed as number) > 0 && (line.resultsAcked as number) > 0),
      20_000,
      `a summary with results\n${agent.output}`,
    );
    expect(summary).toEqual({
      level: 'info',
      time: expect.any(String),
      msg: 'summary',
      periodMs: expect.any(Number),
      checksRun: (summary.checksOk as number) + (summary.checksFailed as number),
      checksOk: expect.any(Number),
      checksFailed: expect.any(Number),
      resultsAcked: expect.any(Number),
      resultsDropped: 0,
      resultsBuffered: expect.any(Number),
      gateway,
      reconnects: 0,
    });
    expect(agent.output).not.toContain(token.slice(token.indexOf('.') + 1));
  });
});
