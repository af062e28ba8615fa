import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AutomationState } from '../../machines/index.ts';
import { useTestNode } from '../support/fixtures.ts';
import { runVigil } from '../support/vigil-cli.ts';

const fixture = useTestNode();
const run = (...args: string[]) => runVigil(fixture, args);

describe('vigil automation template', () => {
  it('apply renders a shipped template with --set values and saves it like `automation apply`; bad values save nothing', async () => {
    const applied = await run('automation', 'template', 'apply', 'sustained-degradation', '--set', 'dwell=5s');
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toBe('automation sustained-degradation: saved (revision 1)');

    const listed = await run('automation', 'list');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^sustained-degradation\s+enabled\s+r1 queued\s+healthcheck\.system\.degraded, healthcheck\.system\.healthy\s+Incident while a system stays degraded$/m);
    const stored = (await fixture.node.runtime.get('automation', 'sustained-degradation')).state as AutomationState | null;
    expect(stored!.definition.triggers.map((trigger) => [trigger.id, trigger.for])).toEqual([['degraded', 5_000], ['recovered', 600_000]]);

    // The same values again: the definition is unchanged.
    expect((await run('automation', 'template', 'apply', 'sustained-degradation', '--set', 'dwell=5s')).stdout).toBe('automation sustained-degradation: unchanged');

    // Bad values and unknown names are usage errors (exit code 2), caught before anything is sent.
    const bad = await run('automation', 'template', 'apply', 'flapping', '--set', 'within=an hour', '--id', 'flaps');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('parameter within="an hour": invalid duration');
    const unknown = await run('automation', 'template', 'apply', 'flapping', '--set', 'count=3', '--id', 'flaps');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('template "flapping" has no parameter "count" (parameters: id, changes, within, severity, slack_webhook_secret, email_to)');
    expect((await run('automation', 'template', 'apply', 'no-such-template')).code).toBe(2);
    expect((await fixture.node.runtime.get('automation', 'flaps')).state).toBeNull();
    const json = JSON.parse((await run('automation', 'list', '--json')).stdout) as Array<{ id: string }>;
    expect(json.map((automation) => automation.id)).toEqual(['sustained-degradation']);
  });

  it('list names every template with its parameters; show prints the rendered YAML without saving it', async () => {
    const listed = await run('automation', 'template', 'list');
    expect(listed.code, listed.stderr).toBe(0);
    for (const name of ['flapping', 'satellite-heartbeat', 'sustained-degradation']) expect(listed.stdout).toMatch(new RegExp(`^${name}\\s+\\S`, 'm'));
    expect(listed.stdout).toContain('dwell (duration, default 5m)');

    const shown = await run('automation', 'template', 'show', 'satellite-heartbeat', '--set', 'system=monitoring', '--id', 'sat-lost');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^# from template satellite-heartbeat: id=sat-lost, system=monitoring, severity=minor\nid: sat-lost\n/);
    expect(shown.stdout).toContain('- monitoring');
    expect((await fixture.node.runtime.get('automation', 'sat-lost')).state).toBeNull();
  });

  it('vigil automation schema prints the committed docs/automation.schema.json', async () => {
    const printed = await run('automation', 'schema');
    expect(printed.code, printed.stderr).toBe(0);
    expect(`${printed.stdout}\n`).toBe(readFileSync(new URL('../../docs/automation.schema.json', import.meta.url), 'utf8'));
  });
});
