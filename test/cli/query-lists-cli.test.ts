import { beforeAll, describe, expect, it } from 'vitest';
import { useTestNode } from '../support/fixtures.ts';
import { authorization } from '../support/isolation.ts';
import { waitFor } from '../support/stream-reader.ts';
import { runVigil } from '../support/vigil-cli.ts';

// The CLI's lists of the query API (system, incident, satellite, runs) against one node.

const fixture = useTestNode();
const run = (...args: string[]) => runVigil(fixture, args);
const dispatch = (kind: string, id: string, event: Record<string, unknown>) => fixture.node.router.dispatch(kind, id, event);
const api = async (path: string) => (await (await fetch(`http://127.0.0.1:${fixture.node.http.port}${path}`, { headers: authorization() })).json()) as any;
const report = (systemId: string, success: boolean) =>
  dispatch('health', systemId, { type: 'check_result', checkId: 'http', source: 'sat-1', success, thresholds: { healthyAfter: 1, degradedAfter: 1, unhealthyAfter: 2 } });
/** The lines of a table without its header, each split into its cells. */
const rows = (stdout: string) => stdout.split('\n').slice(1).map((line) => line.split(/\s{2,}/));
const json = (stdout: string) => JSON.parse(stdout) as any[];

beforeAll(async () => {
  await dispatch('group', 'core', { type: 'create', name: 'Core' });
  for (const [id, name, groupIds] of [['api', 'Public API', ['core']], ['db', 'Database', ['core']], ['web', 'Website', []]] as const) {
    await dispatch('system', id, { type: 'create', name, groupIds: [...groupIds] });
  }
  await report('api', true);
  await report('db', false); // degraded; web has no health yet
  await dispatch('satellite', 'sat-1', { type: 'register', name: 'Frankfurt 1', region: 'eu' });
  await dispatch('satellite', 'sat-2', { type: 'register', name: 'Virginia 1', region: 'us' });
  expect((await fetch(`http://127.0.0.1:${fixture.node.http.port}/satellites/sat-1/token`, { method: 'POST', headers: authorization() })).status).toBe(201);
  await dispatch('incident', 'inc-old', { type: 'create', title: 'Old outage', severity: 'minor', systemIds: ['web'] });
  await dispatch('incident', 'inc-old', { type: 'resolve', message: 'fixed\nfor good' });
  await dispatch('automation', 'open-on-create', {
    type: 'save',
    definition: {
      id: 'open-on-create',
      name: 'Open an incident for a new system',
      triggers: [{ id: 'created', event: 'catalog.created', filter: 'trigger.payload.systemId == "billing"' }],
      actions: [{ id: 'open', action: 'incident.create', config: { title: 'Billing is new', severity: 'critical', systemIds: ['billing'] } }],
    },
  });
  await dispatch('system', 'billing', { type: 'create', name: 'Billing' });
  await waitFor(async () => (await api('/runs?status=succeeded')).items.length === 1, 15_000, 'the run finished');
});

describe('vigil lists through the query API', () => {
  it('lists systems with their health, filtered and sorted, as a table or the API items', async () => {
    const [table, worst, unknown, search, apiItems] = await Promise.all([
      run('system', 'list'),
      run('system', 'list', '--sort', 'health', '--json'),
      run('system', 'list', '--health', 'unknown', '--group', 'core'),
      run('system', 'list', '--search', 'DATA', '--json'),
      api('/systems'),
    ]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+HEALTH\s+CHECKS$/);
    expect(rows(table.stdout)).toEqual([
      ['billing', 'Billing', 'unknown', '-'],
      ['db', 'Database', 'degraded', '0/1 healthy'],
      ['api', 'Public API', 'healthy', '1/1 healthy'],
      ['web', 'Website', 'unknown', '-'],
    ]);
    expect(json(worst.stdout).map((system) => system.id)).toEqual(['db', 'billing', 'web', 'api']);
    expect(rows(unknown.stdout)).toEqual([]); // both systems of core have a health
    expect(json(search.stdout)).toEqual([apiItems.items.find((system: { id: string }) => system.id === 'db')]);
  });

  it('prints one page of --limit, or with --all every page as one array', async () => {
    const [firstOnly, everyOne, everyRow, apiItems] = await Promise.all([
      run('system', 'list', '--limit', '1'),
      run('system', 'list', '--limit', '1', '--all', '--json'),
      run('incident', 'list', '--limit', '1', '--all'),
      api('/systems'),
    ]);
    expect(rows(firstOnly.stdout)).toHaveLength(1);
    expect(firstOnly.stderr).toContain('the first 1 shown; there are more (--all');
    expect(json(everyOne.stdout)).toEqual(apiItems.items);
    expect(everyOne.stderr).toBe('');
    expect(rows(everyRow.stdout).map((row) => row[0])).toHaveLength(2);
  });

  it('lists incidents newest first, every status unless --status, and shows one with its timeline and the run behind it', async () => {
    const [table, open, critical, recent, future, apiItems] = await Promise.all([
      run('incident', 'list'),
      run('incident', 'list', '--status', 'open', '--json'),
      run('incident', 'list', '--severity', 'major,critical', '--system', 'billing', '--json'),
      run('incident', 'list', '--since', '1h', '--json'),
      run('incident', 'list', '--since', '2999-01-01T00:00:00Z', '--json'),
      api('/incidents'),
    ]);
    expect(table.code, table.stderr).toBe(0);
    const [opened, old] = rows(table.stdout);
    expect(opened).toEqual([expect.any(String), 'investigating', 'critical', expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/), 'billing', 'Billing is new']);
    expect(old).toEqual(['inc-old', 'resolved', 'minor', expect.any(String), 'web', 'Old outage']);
    expect(json(open.stdout)).toEqual([apiItems.items[0]]);
    expect(json(critical.stdout).map((incident) => incident.title)).toEqual(['Billing is new']);
    expect(json(recent.stdout)).toEqual(apiItems.items);
    expect(json(future.stdout)).toEqual([]);

    const shown = await run('incident', 'show', opened![0]!);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`incident ${opened![0]}: Billing is new`);
    expect(shown.stdout).toContain('status investigating, severity critical, systems billing');
    const runId = (await api(`/incidents/${opened![0]}`)).timeline[0].runId as string;
    expect(shown.stdout).toMatch(new RegExp(`create\\s+->investigating\\s+automation:open-on-create\\s+run ${runId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const [oldShown, oldJson, runShown] = await Promise.all([run('incident', 'show', 'inc-old'), run('incident', 'show', 'inc-old', '--json'), run('runs', 'show', runId)]);
    expect(oldShown.stdout).toMatch(/resolve\s+investigating->resolved\s+-\s+-\s+fixed for good$/m);
    expect(JSON.parse(oldJson.stdout)).toEqual(await api('/incidents/inc-old'));
    expect(runShown.stdout).toContain(`run ${runId} of open-on-create (revision 1): succeeded`);
    expect(runShown.stdout).toContain('trigger: created on catalog.created');
  });

  it('lists satellites with region, status, node and token, and runs newest first', async () => {
    const [table, eu, runs, runsJson, failed, apiRuns] = await Promise.all([
      run('satellite', 'list'),
      run('satellite', 'list', '--region', 'eu', '--status', 'registered,online', '--json'),
      run('runs', 'list', '--automation', 'open-on-create'),
      run('runs', 'list', '--json'),
      run('runs', 'list', '--status', 'failed', '--json'),
      api('/runs'),
    ]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+REGION\s+STATUS\s+NODE\s+LAST SEEN\s+TOKEN ROTATED$/);
    expect(rows(table.stdout)).toEqual([
      ['sat-1', 'Frankfurt 1', 'eu', 'registered', '-', '-', expect.stringMatching(/^\d{4}-.*Z$/)],
      ['sat-2', 'Virginia 1', 'us', 'registered', '-', '-', 'no token'],
    ]);
    expect(json(eu.stdout)).toEqual([expect.objectContaining({ id: 'sat-1', name: 'Frankfurt 1', region: 'eu', session: null })]);
    expect(rows(runs.stdout)).toEqual([[apiRuns.items[0].id, 'succeeded', expect.any(String), '1', 'catalog.created']]);
    expect(json(runsJson.stdout)).toEqual(apiRuns.items);
    expect(json(failed.stdout)).toEqual([]);
  });

  it('refuses bad option values with exit code 2 and the command help to read, and an unknown id with 1', async () => {
    const cases = [
      [['system', 'list', '--limit', '0'], "option '--limit <n>' argument \"0\" is invalid: expected a whole number from 1 to 500", 'vigil system list --help'],
      [['runs', 'list', '--limit', '501'], 'expected a whole number from 1 to 500', 'vigil runs list --help'],
      [['system', 'list', '--health', 'sick'], 'expected one or more of healthy, degraded, unhealthy, unknown', 'vigil system list --help'],
      [['system', 'list', '--sort', 'worst'], "option '--sort <order>' argument 'worst' is invalid", 'vigil system list --help'],
      [['incident', 'list', '--since', 'yesterday'], 'expected a duration before now such as 30m or 24h', 'vigil incident list --help'],
      [['incident', 'list', '--status', 'closed'], 'expected one or more of open, investigating', 'vigil incident list --help'],
      [['satellite', 'list', '--status', 'gone'], 'expected one or more of registered, online, offline', 'vigil satellite list --help'],
    ] as const;
    const results = await Promise.all(cases.map(([args]) => run(...args)));
    results.forEach((result, index) => {
      const [args, reason, help] = cases[index]!;
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(reason);
      expect(result.stderr).toContain(`(see \`${help}\`)`);
      expect(result.stdout).toBe('');
    });
    const [noIncident, noRun] = await Promise.all([run('incident', 'show', 'nope'), run('runs', 'show', 'nope')]);
    expect([noIncident.code, noIncident.stderr.trim()]).toEqual([1, 'vigil: NOT_FOUND: no incident "nope"']);
    expect([noRun.code, noRun.stderr.trim()]).toEqual([1, 'vigil: NOT_FOUND: no run "nope"']);
  });
});
