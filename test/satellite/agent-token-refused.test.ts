import { describe, expect, it } from 'vitest';
import { useTestNode } from '../support/fixtures.ts';
import { startAgentProcess } from '../support/satellite-agent.ts';
import { scaled } from '../support/time-scale.ts';

const fixture = useTestNode();

function exitOf(child: ReturnType<typeof startAgentProcess>['child']): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

describe('vigil-satellite with a token Vigil refuses', () => {
  it('gives up after VIGIL_SATELLITE_MAX_AUTH_FAILURES refusals in a row: one line per refusal, one clear message, exit code 3', async () => {
    const token = `edge-x.${'n'.repeat(43)}`;
    const agent = startAgentProcess(token, [fixture.node.http.port], { VIGIL_SATELLITE_MAX_AUTH_FAILURES: '3' });
    expect(await exitOf(agent.child)).toBe(3);
    expect(agent.output).toContain("vigil-satellite: the gateways refused this satellite's token 3 times in a row");
    expect(agent.output).toContain('VIGIL_SATELLITE_TOKEN');
    expect(agent.output.match(/gateway refused the token \(401\)/g)).toHaveLength(2);
    expect(agent.output).not.toContain('connection error');
    expect(agent.output).not.toContain('n'.repeat(43));
  }, scaled(60_000));

  it('names the variable that is missing, exit code 2', async () => {
    const agent = startAgentProcess('', [fixture.node.http.port], { VIGIL_SATELLITE_TOKEN: '' });
    expect(await exitOf(agent.child)).toBe(2);
    expect(agent.output).toContain('VIGIL_SATELLITE_TOKEN');
  });
});
