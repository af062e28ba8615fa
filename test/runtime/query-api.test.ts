import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestNode } from '../support/fixtures.ts';
import { authorization } from '../support/isolation.ts';
import { waitFor } from '../support/stream-reader.ts';
import { DeliveryStore } from '../../persistence/index.ts';

const DELIVERY_ID = 'dlv_00000000000000000000000000000042';

const fixture = useTestNode();
const url = (path: string) => `http://127.0.0.1:${fixture.node.http.port}${path}`;
const dispatch = (kind: string, id: string, event: Record<string, unknown>) => fixture.node.router.dispatch(kind, id, event);
const get = async (path: string) => {
  const response = await fetch(url(path), { headers: authorization() });
  return { status: response.status, body: (await response.json()) as any };
};
const report = (systemId: string, success: boolean) =>
  dispatch('health', systemId, { type: 'check_result', checkId: 'http', source: 'sat-1', success, thresholds: { healthyAfter: 1, degradedAfter: 1, unhealthyAfter: 2 } });

beforeAll(async () => {
  await dispatch('group', 'core', { type: 'create', name: 'Core' });
  for (const [id, name, groupIds] of [['api', 'Public API', ['core']], ['db', 'Database', ['core']], ['web', 'Website', []], ['mail', 'Mail', []]] as const) {
    await dispatch('system', id, { type: 'create', name, groupIds: [...groupIds] });
  }
  await report('api', true);
  await report('db', false); // degraded
  await report('web', false);
  await report('web', false); // unhealthy; mail has no health yet
  await dispatch('satellite', 'sat-1', { type: 'register', name: 'Frankfurt 1', region: 'eu' });
  await dispatch('satellite', 'sat-2', { type: 'register', name: 'Virginia 1', region: 'us' });
  await dispatch('check', 'api-http', { type: 'create', systemId: 'api', strategy: { kind: 'http', url: 'http://127.0.0.1:1/' }, satelliteIds: ['sat-1'] });
  await dispatch('check', 'db-tcp', { type: 'create', systemId: 'db', strategy: { kind: 'tcp', host: '127.0.0.1', port: 5432 }, satelliteIds: ['sat-2'] });
  await dispatch('maintenance', 'db-upgrade', { type: 'create', title: 'DB upgrade', systemIds: ['db'], schedule: { kind: 'once', startsAt: Date.now() + 86_400_000, endsAt: Date.now() + 90_000_000 } });
  await dispatch('incident', 'inc-old', { type: 'create', title: 'Old outage', severity: 'minor', systemIds: ['web'] });
  await dispatch('incident', 'inc-old', { type: 'resolve', message: 'fixed' });
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
  await waitFor(async () => (await get('/runs?automation=open-on-create&status=succeeded')).body.items.length === 1, 15_000, 'the run finished');
  // A delivery in the log (notification steps have their own tests): what /deliveries/{id} reads.
  await new DeliveryStore(fixture.node.database).open({ id: DELIVERY_ID, runId: 'open-on-create:r1', automationId: 'open-on-create', stepPath: 'actions[1]', action: 'notify.slack', target: 'Slack webhook https://hooks.slack.com', maxAttempts: 5, request: { version: 1, config: { webhook_url: '${{ secrets.SLACK_URL }}' }, idempotencyKey: 'open-on-create:r1:actions[1]' } }, Date.now());
});

describe('query API', () => {
  it('lists systems with their health, by name or worst first, paged with a cursor', async () => {
    const byName = await get('/systems?limit=2');
    expect(byName.status).toBe(200);
    expect(byName.body.items.map((item: { id: string }) => item.id)).toEqual(['billing', 'db']); // Billing, Database
    const second = await get(`/systems?limit=2&cursor=${byName.body.next}`);
    const all = [...byName.body.items, ...second.body.items, ...(second.body.next ? (await get(`/systems?limit=2&cursor=${second.body.next}`)).body.items : [])];
    expect(all.map((item: { name: string }) => item.name)).toEqual(['Billing', 'Database', 'Mail', 'Public API', 'Website'].sort());

    const worst = await get('/systems?sort=health');
    expect(worst.body.items.map((item: { id: string; health: { status: string } | null }) => [item.id, item.health?.status ?? null])).toEqual([
      ['web', 'unhealthy'],
      ['db', 'degraded'],
      ['billing', null],
      ['mail', null],
      ['api', 'healthy'],
    ]);
    expect((await get('/systems?health=degraded,unhealthy')).body.items.map((item: { id: string }) => item.id)).toEqual(['db', 'web']);
    expect((await get('/systems?health=unknown')).body.items.map((item: { id: string }) => item.id)).toEqual(['billing', 'mail']);
    expect((await get('/systems?group=core')).body.items.map((item: { id: string }) => item.id)).toEqual(['db', 'api']);
    expect((await get('/systems?q=data')).body.items.map((item: { id: string }) => item.id)).toEqual(['db']);
    expect((await get('/systems?q=%25')).body.items).toEqual([]); // % is a character, not a wildcard
  });

  it('pages by health without repeating or skipping a system', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Array<{ id: string }>; next: string | null } } = await get(`/systems?sort=health&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.body.items.map((item) => item.id));
      cursor = page.body.next;
    } while (cursor);
    expect(seen).toEqual(['web', 'db', 'billing', 'mail', 'api']);
  });

  it('shows a system with its checks, check definitions, open incidents and maintenance', async () => {
    const { status, body } = await get('/systems/db');
    expect(status).toBe(200);
    expect(body.system).toMatchObject({ id: 'db', name: 'Database', health: { status: 'degraded', totalChecks: 1 } });
    expect(body.checks).toEqual([expect.objectContaining({ checkId: 'http', source: 'sat-1', status: 'degraded', consecutiveFailures: 1 })]);
    expect(body.checkDefinitions.map((check: { id: string }) => check.id)).toEqual(['db-tcp']);
    expect(body.maintenance.map((item: { id: string; status: string }) => [item.id, item.status])).toEqual([['db-upgrade', 'scheduled']]);
    expect((await get('/systems/billing')).body.openIncidents.map((incident: { title: string }) => incident.title)).toEqual(['Billing is new']);
    expect((await get('/systems/nope')).status).toBe(404);
  });

  it('lists incidents newest first by status, severity, system and time', async () => {
    const open = await get('/incidents?status=open');
    expect(open.body.items.map((incident: { title: string; updateCount: number }) => incident.title)).toEqual(['Billing is new']);
    const all = await get('/incidents');
    expect(all.body.items.map((incident: { id: string }) => incident.id).at(-1)).toBe('inc-old');
    expect((await get('/incidents?status=resolved')).body.items[0]).toMatchObject({ id: 'inc-old', lastUpdate: { message: 'fixed', statusChange: { from: 'investigating', to: 'resolved' } } });
    expect((await get('/incidents?severity=critical')).body.items).toHaveLength(1);
    expect((await get('/incidents?system=web')).body.items.map((incident: { id: string }) => incident.id)).toEqual(['inc-old']);
    expect((await get(`/incidents?since=${Date.now() + 60_000}`)).body.items).toEqual([]);
    expect((await get('/incidents?until=1')).body.items).toEqual([]);
  });

  it('gives an incident its timeline, with the run that opened it', async () => {
    const [opened] = (await get('/incidents?system=billing')).body.items;
    const { body } = await get(`/incidents/${opened.id}`);
    expect(body.incident).toMatchObject({ id: opened.id, status: 'investigating', updates: expect.any(Array) });
    const [created] = body.timeline;
    expect(created).toMatchObject({ version: 1, event: 'create', statusChange: { from: null, to: 'investigating' }, automationId: 'open-on-create' });
    expect(created.actor).toBe('automation:open-on-create');
    const run = await get(`/runs/${created.runId}`);
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ id: created.runId, automationId: 'open-on-create', status: 'succeeded', trigger: { event: 'catalog.created' } });
    expect(run.body.steps.map((step: { kind: string; status: string }) => [step.kind, step.status])).toEqual([['action', 'succeeded']]);

    const old = await get('/incidents/inc-old');
    expect(old.body.timeline.map((entry: { event: string; actor: string; message?: string }) => [entry.event, entry.actor, entry.message ?? null])).toEqual([
      ['create', null, null], // sent in-process, without a caller
      ['resolve', null, 'fixed'],
    ]);
  });

  it('lists satellites, checks, maintenance, automations and runs with their filters', async () => {
    expect((await get('/satellites?region=eu')).body.items.map((item: { id: string; status: string }) => [item.id, item.status])).toEqual([['sat-1', 'registered']]);
    expect((await get('/satellites?status=online')).body.items).toEqual([]);
    expect((await get('/satellites/sat-2')).body.checks.map((check: { id: string }) => check.id)).toEqual(['db-tcp']);
    expect((await get('/checks?system=api')).body.items.map((check: { id: string }) => check.id)).toEqual(['api-http']);
    expect((await get('/checks?satellite=sat-2')).body.items.map((check: { id: string }) => check.id)).toEqual(['db-tcp']);
    expect((await get('/maintenance?status=scheduled&system=db')).body.items.map((item: { id: string }) => item.id)).toEqual(['db-upgrade']);
    expect((await get('/maintenance?status=active')).body.items).toEqual([]);
    expect((await get('/automations?enabled=true')).body.items).toEqual([expect.objectContaining({ id: 'open-on-create', name: 'Open an incident for a new system', triggers: ['catalog.created'] })]);
    expect((await get('/automations?enabled=false')).body.items).toEqual([]);
    expect((await get('/runs?status=running,waiting')).body.items).toEqual([]);
    expect((await get('/runs?automation=open-on-create')).body.items).toEqual([expect.objectContaining({ status: 'succeeded', stepCount: 1 })]);
    expect((await get('/groups')).body.items.map((group: { id: string }) => group.id)).toEqual(['core']);
  });

  it('lists the runs active and queued now', async () => {
    await dispatch('automation', 'one-at-a-time', {
      type: 'save',
      definition: { id: 'one-at-a-time', name: 'One at a time', mode: 'queued', max: 5, triggers: [{ id: 'renamed', event: 'catalog.updated', filter: 'trigger.payload.systemId == "mail"' }], actions: [{ delay: '1h' }] },
    });
    for (const name of ['Mail 1', 'Mail 2', 'Mail 3']) await dispatch('system', 'mail', { type: 'update', name });
    const queued = await waitFor(async () => {
      const { body } = await get('/runs/queued?automation=one-at-a-time');
      return body.items.length === 2 ? body.items : undefined;
    }, 15_000, 'two fires queued behind the first run');
    expect(queued.map((run: { position: number; trigger: { payload: { systemName: string } } }) => [run.position, run.trigger.payload.systemName])).toEqual([
      [1, 'Mail 2'],
      [2, 'Mail 3'],
    ]);
    // The first run is active (running, then waiting on its delay): listed with the active ones.
    expect((await get('/runs?status=running,waiting&automation=one-at-a-time')).body.items).toEqual([expect.objectContaining({ id: 'one-at-a-time:r1', status: expect.stringMatching(/^(running|waiting)$/) })]);
    expect((await get('/runs/queued?automation=open-on-create')).body.items).toEqual([]);
  });

  it.each([
    ['/systems?limit=0', 'query parameter limit'],
    ['/systems?limit=501', 'query parameter limit'],
    ['/systems?sort=random', 'query parameter sort'],
    ['/systems?health=sick', 'query parameter health'],
    ['/systems?colour=red', 'unknown query parameter "colour"'],
    ['/systems?limit=1&limit=2', 'given more than once'],
    ['/systems?cursor=garbage', 'not a cursor of this list'],
    ['/incidents?since=yesterday', 'query parameter since'],
    ['/runs?status=done', 'query parameter status'],
    ['/runs?automation=a.b', 'query parameter automation'],
  ])('refuses %s with a 400 naming the parameter', async (path, words) => {
    const { status, body } = await get(path);
    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_REQUEST');
    expect(body.error.message).toContain(words);
  });

  it.each([
    ['GET', '/systems?q=a%00b', 'query parameter q'],
    ['GET', '/satellites?region=%00', 'query parameter region'],
    ['GET', `/systems?cursor=${Buffer.from(JSON.stringify({ s: 'name', p: ['a\u0000', 'x'] })).toString('base64url')}`, 'query parameter cursor'],
    ['DELETE', '/tokens/a%00b', 'path parameter name'],
  ])('refuses text PostgreSQL cannot store: %s %s', async (method, path, words) => {
    const response = await fetch(url(path), { method, headers: authorization() });
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect([response.status, body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(body.error.message).toContain(words);
  });

  it('refuses a cursor of another sort', async () => {
    const { body } = await get('/systems?limit=1');
    const refused = await get(`/systems?sort=health&cursor=${body.next}`);
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain('sort=name');
  });

  it('needs a token', async () => {
    const response = await fetch(url('/systems'));
    expect(response.status).toBe(401);
  });
});

describe('OpenAPI document', () => {
  let document: any;
  beforeAll(async () => {
    const response = await fetch(url('/openapi.json'));
    expect(response.status).toBe(200);
    document = await response.json();
  });

  it('documents exactly the routes the node serves', () => {
    expect(document.openapi).toBe('3.1.0');
    const served = fixture.node.http
      .routes()
      .map(({ route }) => `${route.method} ${route.path}`)
      .sort();
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`))
      .sort();
    expect(documented).toEqual(served);
    expect(served).toEqual(expect.arrayContaining(['get /systems', 'get /incidents/{id}', 'get /runs', 'get /openapi.json', 'get /healthz', 'get /satellite/v1']));
  });

  it('registers every route through the router (no route can be served undocumented)', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(['gateway', 'node', 'actors', 'automations'])) {
      if (file.endsWith('api-router.ts')) continue;
      const text = readFileSync(file, 'utf8');
      if (/\bapp\s*\.\s*(get|post|put|del|patch|options|head|any|ws|connect|trace)\s*\(/.test(text)) offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });

  it('has only references that resolve, a role on every operation, and error answers on protected ones', () => {
    const text = JSON.stringify(document);
    for (const [, ref] of text.matchAll(/"\$ref":"#\/([^"]+)"/g)) {
      const target = ref!.split('/').reduce((node: any, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], document);
      expect(target, ref).toBeDefined();
    }
    for (const [path, operations] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect(['public', 'viewer', 'operator', 'admin'], `${method} ${path}`).toContain(operation['x-vigil-role']);
        if (operation['x-vigil-role'] !== 'public' && !('101' in operation.responses)) expect(Object.keys(operation.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['401', '403']));
      }
    }
  });

  it('answers every documented read with what its schema says', async () => {
    const [incident] = (await get('/incidents')).body.items;
    const [run] = (await get('/runs')).body.items;
    const ids: Record<string, string> = { '/systems/{id}': 'db', '/incidents/{id}': incident.id, '/runs/{id}': run.id, '/satellites/{id}': 'sat-1', '/satellites/{id}/token': 'sat-1', '/entities/{kind}': 'system', '/entities/{kind}/{id}': 'system', '/entities/{kind}/{id}/history': 'system', '/deliveries/{id}': DELIVERY_ID };
    let checked = 0;
    for (const { kind, route } of fixture.node.http.routes()) {
      if (kind !== 'json' || route.method !== 'get') continue;
      const path = route.path.replace('{kind}', 'system').replace('{id}', route.path.startsWith('/entities') ? 'api' : (ids[route.path] ?? 'x')).replace('{name}', 'x');
      const { status, body } = await get(path);
      expect(status, path).toBe(200);
      const parsed = route.response.safeParse(body);
      expect(parsed.success ? 'valid' : JSON.stringify(parsed.error.issues.slice(0, 3)), path).toBe('valid');
      checked++;
    }
    expect(checked).toBeGreaterThan(15);
  });

  it('lists every route in docs/PROTOCOL.md', () => {
    const protocol = readFileSync('docs/PROTOCOL.md', 'utf8');
    for (const { route } of fixture.node.http.routes()) {
      const row = `| \`${route.method.toUpperCase()} ${route.path.replace(/\{(\w+)\}/g, '<$1>')}\``;
      expect(protocol, row).toContain(row);
    }
  });
});

function sourceFiles(folders: string[]): string[] {
  const files: string[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('.test.ts')) files.push(path);
    }
  };
  folders.forEach(walk);
  return files;
}
