import { headers as natsHeaders } from '@nats-io/transport-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CommandReply } from '../../actors/index.ts';
import type { AutomationRunState } from '../../machines/index.ts';
import { useTestNode } from '../support/fixtures.ts';
import { authorization, TEST_ADMIN_TOKEN } from '../support/isolation.ts';
import { waitFor } from '../support/stream-reader.ts';

const fixture = useTestNode();
const url = (path: string) => `http://127.0.0.1:${fixture.node.http.port}${path}`;
const tokens: Record<'viewer' | 'operator' | 'admin', string> = { viewer: '', operator: '', admin: TEST_ADMIN_TOKEN };

async function http(method: string, path: string, token: string | undefined, body?: unknown, extra: Record<string, string> = {}) {
  const response = await fetch(url(path), {
    method,
    headers: { ...(token === undefined ? {} : authorization(token)), ...extra },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any>, headers: response.headers };
}

async function nats(kind: string, id: string, event: unknown, token: string | undefined, extra: Record<string, string> = {}): Promise<CommandReply> {
  const h = natsHeaders();
  if (token !== undefined) h.set('Authorization', `Bearer ${token}`);
  for (const [name, value] of Object.entries(extra)) h.set(name, value);
  const reply = await fixture.node.bus.nc.request(fixture.node.bus.subjects.command(kind, id), JSON.stringify(event), { timeout: 10_000, headers: h });
  return reply.json<CommandReply>();
}

const codeOf = (reply: CommandReply) => (reply.ok ? 'OK' : reply.error.code);

beforeAll(async () => {
  for (const role of ['viewer', 'operator'] as const) {
    const created = await http('POST', '/tokens', TEST_ADMIN_TOKEN, { name: `${role}-1`, role });
    expect(created.status).toBe(201);
    tokens[role] = created.body.token;
  }
  await fixture.node.router.dispatch('system', 'shop', { type: 'create', name: 'Shop' });
});

describe('API tokens', () => {
  it('are random 256-bit values, shown once, listed without value or hash, and names are never reused', async () => {
    expect(tokens.viewer).toMatch(/^vgl_[A-Za-z0-9_-]{43}$/);
    const listed = await http('GET', '/tokens', TEST_ADMIN_TOKEN);
    expect(listed.status).toBe(200);
    expect(listed.body.tokens.map((token: { name: string }) => token.name)).toEqual(['admin', 'viewer-1', 'operator-1']);
    expect(JSON.stringify(listed.body)).not.toContain(tokens.viewer);
    expect(JSON.stringify(listed.body)).not.toMatch(/tokenHash|token_hash|[0-9a-f]{64}/);
    expect((await http('POST', '/tokens', TEST_ADMIN_TOKEN, { name: 'viewer-1', role: 'viewer' })).status).toBe(409);
    const stored = await fixture.node.database.query<{ token_hash: string }>('select token_hash from api_tokens');
    expect(JSON.stringify(stored)).not.toContain(tokens.viewer);
  });

  it('refuse bad requests with the reason and change nothing', async () => {
    const bad = await http('POST', '/tokens', TEST_ADMIN_TOKEN, { name: 'Bad Name', role: 'root' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_REQUEST');
    expect(bad.body.error.message).toMatch(/name/);
    expect(bad.body.error.message).toMatch(/role/);
    expect((await http('POST', '/tokens', TEST_ADMIN_TOKEN, { name: 'nul\u0000', role: 'viewer' })).status).toBe(400);
    expect((await http('POST', '/tokens', TEST_ADMIN_TOKEN, { name: 'past', role: 'viewer', expiresAt: 1 })).status).toBe(400);
  });

  it('a revoked token and an expired token are refused on HTTP and NATS', async () => {
    const temporary = (await http('POST', '/tokens', TEST_ADMIN_TOKEN, { name: 'temporary', role: 'operator' })).body.token as string;
    expect((await http('GET', '/entities/system/shop', temporary)).status).toBe(200);
    const revoked = await http('DELETE', '/tokens/temporary', TEST_ADMIN_TOKEN);
    expect(revoked.body).toMatchObject({ name: 'temporary', revokedAt: expect.any(Number) });
    expect((await http('GET', '/entities/system/shop', temporary)).status).toBe(401);
    expect(codeOf(await nats('system', 'shop', { type: 'update', description: 'x' }, temporary))).toBe('UNAUTHENTICATED');

    const shortLived = (await http('POST', '/tokens', TEST_ADMIN_TOKEN, { name: 'short-lived', role: 'viewer', expiresAt: Date.now() + 1_500 })).body.token as string;
    expect((await http('GET', '/entities/system/shop', shortLived)).status).toBe(200);
    await waitFor(async () => (await http('GET', '/entities/system/shop', shortLived)).status === 401, 10_000, 'expired token refused');
    expect((await http('DELETE', '/tokens/nobody', TEST_ADMIN_TOKEN)).status).toBe(404);
  });
});

describe('HTTP: every route but /healthz and /readyz needs a token with the right role', () => {
  it('answers 401 with a documented body without a token, with a malformed header, and with an unknown token', async () => {
    for (const [token, extra] of [
      [undefined, {}],
      [undefined, { authorization: 'Basic YWxpY2U6c2VjcmV0' }],
      ['vgl_' + 'A'.repeat(43), {}],
    ] as const) {
      for (const [method, path] of [
        ['GET', '/entities/system/shop'],
        ['GET', '/entities/system/shop/history'],
        ['GET', '/triggers'],
        ['POST', '/entities/system/shop/events'],
        ['GET', '/tokens'],
      ]) {
        const answer = await http(method!, path!, token, method === 'POST' ? { type: 'update', description: 'x' } : undefined, extra);
        expect(answer.status, `${method} ${path}`).toBe(401);
        expect(answer.body.error.code).toBe('UNAUTHENTICATED');
        expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
    }
    expect((await fetch(url('/healthz'))).status).toBe(200);
    expect((await fetch(url('/readyz'))).status).toBe(200);
  });

  it('viewer reads; operator also sends commands; admin also manages tokens', async () => {
    const expectations: Array<[string, string, unknown, Record<'viewer' | 'operator' | 'admin', number>]> = [
      ['GET', '/entities/system/shop', undefined, { viewer: 200, operator: 200, admin: 200 }],
      ['GET', '/entities/health/shop/history', undefined, { viewer: 200, operator: 200, admin: 200 }],
      ['GET', '/triggers', undefined, { viewer: 200, operator: 200, admin: 200 }],
      ['POST', '/entities/incident/inc-roles/events', { type: 'create', title: 'Roles', severity: 'minor', systemIds: ['shop'] }, { viewer: 403, operator: 200, admin: 409 }],
      ['GET', '/deliveries', undefined, { viewer: 200, operator: 200, admin: 200 }],
      ['POST', '/deliveries/dlv_0000000000000000000000000000beef/retry', undefined, { viewer: 403, operator: 404, admin: 404 }],
      ['GET', '/tokens', undefined, { viewer: 403, operator: 403, admin: 200 }],
      ['POST', '/tokens', { name: 'made-by-role', role: 'viewer' }, { viewer: 403, operator: 403, admin: 201 }],
      ['DELETE', '/tokens/made-by-role', undefined, { viewer: 403, operator: 403, admin: 200 }],
    ];
    for (const [method, path, body, statuses] of expectations) {
      for (const role of ['viewer', 'operator', 'admin'] as const) {
        const answer = await http(method, path, tokens[role], body);
        expect(answer.status, `${role} ${method} ${path}: ${JSON.stringify(answer.body)}`).toBe(statuses[role]);
        if (answer.status === 403) expect(answer.body.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/needs the (operator|admin) role/) });
      }
    }
  });

  it('refuses a forged health result and the other kinds Vigil writes, whatever the role', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const forged = await http('POST', '/entities/health/shop/events', TEST_ADMIN_TOKEN, { type: 'check_result', checkId: 'forged', source: 'anyone', success: false, executedAt: Date.now() });
      expect(forged.status).toBe(403);
      expect(forged.body.error.code).toBe('FORBIDDEN');
    }
    expect((await fixture.node.runtime.get('health', 'shop')).version).toBe(0);
    for (const [kind, event] of [
      ['automation_scope', { type: 'fire' }],
      ['automation_window', { type: 'occur' }],
      ['automation_dwell', { type: 'arm' }],
      ['automation_schedule', { type: 'stop' }],
    ] as const) {
      const answer = await http('POST', `/entities/${kind}/x/events`, TEST_ADMIN_TOKEN, event);
      expect([400, 403], `${kind}: ${JSON.stringify(answer.body)}`).toContain(answer.status);
    }
    // A run's steps come from the engine only; cancelling it is the operator's documented command
    // (this run does not exist, so nothing changes: what matters is that it is not refused).
    const cancel = await http('POST', '/entities/automation_run/no-such-run/events', tokens.operator, { type: 'cancel', reason: 'by hand' });
    expect([200, 409], JSON.stringify(cancel.body)).toContain(cancel.status);
    const forgedStep = await http('POST', '/entities/automation_run/no-such-run/events', TEST_ADMIN_TOKEN, { type: 'resume', seq: 1 });
    expect(forgedStep.status).toBe(403);
    expect(forgedStep.body.error.message).toContain('automation engine');
    // A satellite's connection events come from the gateway only; registering is an operator's.
    expect((await http('POST', '/entities/satellite/sat-x/events', tokens.operator, { type: 'register', name: 'X', region: 'eu' })).status).toBe(200);
    const connect = await http('POST', '/entities/satellite/sat-x/events', TEST_ADMIN_TOKEN, { type: 'connect' });
    expect(connect.status).toBe(403);
    expect(connect.body.error.message).toContain('satellite gateway');
    expect((await fixture.node.runtime.get('satellite', 'sat-x')).stateValue).not.toBe('online');
  });

  it('lists live entities of a kind a page at a time, filtered by state fields', async () => {
    for (const id of ['list-a', 'list-b', 'list-c']) await fixture.node.router.dispatch('group', id, { type: 'create', name: id });
    await fixture.node.router.dispatch('group', 'list-c', { type: 'delete' });
    const first = await http('GET', '/entities/group?limit=1', tokens.viewer);
    expect(first.status).toBe(200);
    expect(first.body.items.map((item: { id: string }) => item.id)).toEqual(['list-a']);
    const second = await http('GET', `/entities/group?limit=5&after=${first.body.next}`, tokens.viewer);
    expect(second.body).toMatchObject({ items: [{ id: 'list-b', version: 1, state: { name: 'list-b' } }], next: null });
    expect((await http('GET', '/entities/group?filter.name=list-b', tokens.viewer)).body.items).toHaveLength(1);
    expect((await http('GET', '/entities/group?limit=0', tokens.viewer)).status).toBe(400);
    expect((await http('GET', '/entities/group?sort=name', tokens.viewer)).status).toBe(400);
    expect((await http('GET', '/entities/planet', tokens.viewer)).status).toBe(404);
    expect((await http('GET', '/entities/group', undefined)).status).toBe(401);
  });

  it('records the token as the cause; Vigil-Actor and Vigil-Run-Id from outside are ignored', async () => {
    const answer = await http('POST', '/entities/system/shop/events', tokens.operator, { type: 'update', description: 'by operator' }, { 'vigil-actor': 'setup-file', 'vigil-run-id': 'run-forged' });
    expect(answer.status).toBe(200);
    expect(answer.body.change.cause).toEqual({ event: 'update', actor: 'token:operator-1' });
  });
});

describe('NATS commands: the same tokens and checks', () => {
  it('refuses a command without a valid token and commits nothing', async () => {
    const before = await fixture.node.runtime.get('system', 'shop');
    expect(codeOf(await nats('system', 'shop', { type: 'update', description: 'anonymous' }, undefined))).toBe('UNAUTHENTICATED');
    expect(codeOf(await nats('system', 'shop', { type: 'update', description: 'bogus' }, 'vgl_' + 'B'.repeat(43)))).toBe('UNAUTHENTICATED');
    expect(codeOf(await nats('system', 'shop', { type: 'update', description: 'malformed' }, undefined, { Authorization: 'Token abc' }))).toBe('UNAUTHENTICATED');
    expect(await fixture.node.runtime.get('system', 'shop')).toEqual(before);
  });

  it('viewer is refused commands, operator and admin may send them; health is refused to everyone', async () => {
    expect(codeOf(await nats('system', 'shop', { type: 'update', description: 'viewer' }, tokens.viewer))).toBe('FORBIDDEN');
    const operator = await nats('system', 'shop', { type: 'update', description: 'operator' }, tokens.operator, { 'Vigil-Actor': 'node:forged', 'Vigil-Run-Id': 'forged' });
    expect(operator).toMatchObject({ ok: true, change: { cause: { actor: 'token:operator-1' } } });
    expect(operator.ok && operator.change?.cause.runId).toBeUndefined();
    expect(codeOf(await nats('system', 'shop', { type: 'update', description: 'admin' }, TEST_ADMIN_TOKEN))).toBe('OK');
    for (const token of [tokens.viewer, tokens.operator, TEST_ADMIN_TOKEN]) {
      expect(codeOf(await nats('health', 'shop', { type: 'check_result', checkId: 'forged', source: 'x', success: false, executedAt: Date.now() }, token))).toBe('FORBIDDEN');
    }
  });
});

describe('automations act as their run_as account', () => {
  const openIncident = (id: string, runAs?: string) => ({
    id,
    name: id,
    ...(runAs ? { run_as: runAs } : {}),
    triggers: [{ id: 'renamed', event: 'catalog.updated', filter: `trigger.payload.systemId == "${id}-sys"` }],
    actions: [{ id: 'open', action: 'incident.create', config: { title: 'opened by {{ run.automation_id }}', severity: 'minor', systemIds: ['{{ trigger.payload.systemId }}'] } }],
  });

  async function runOf(automationId: string): Promise<AutomationRunState> {
    return waitFor(async () => {
      const rows = await fixture.node.database.query<{ state: AutomationRunState }>(`select state from entity_state where kind = 'automation_run' and state->>'automationId' = ?`, [automationId]);
      const ended = rows.map((row) => row.state).find((run) => run.status !== 'running' && run.status !== 'waiting');
      return ended;
    }, 20_000, `a finished run of ${automationId}`);
  }

  it('the built-in account (operator) opens incidents; a viewer account is refused and its step fails with FORBIDDEN', async () => {
    for (const [id, runAs] of [['as-default', undefined], ['as-viewer', 'viewer-1'], ['as-nobody', 'no-such-token']] as const) {
      const saved = await http('POST', `/entities/automation/${id}/events`, tokens.operator, { type: 'save', definition: openIncident(id, runAs) });
      expect(saved.status, JSON.stringify(saved.body)).toBe(200);
      await fixture.node.router.dispatch('system', `${id}-sys`, { type: 'create', name: id });
      await fixture.node.router.dispatch('system', `${id}-sys`, { type: 'update', name: `${id} renamed` });
    }
    const byDefault = await runOf('as-default');
    expect(byDefault.status).toBe('succeeded');
    const asViewer = await runOf('as-viewer');
    expect(asViewer.status).toBe('failed');
    expect(asViewer.steps.map((step) => step.error).join(' ')).toContain('FORBIDDEN: automation:as-viewer may not send incident commands: it needs the operator role');
    const asNobody = await runOf('as-nobody');
    expect(asNobody.status).toBe('failed');
    expect(asNobody.steps.map((step) => step.error).join(' ')).toContain('run_as "no-such-token" names no usable API token');
    const incidents = await fixture.node.database.query<{ id: string; cause: { actor: string } }>(
      `select id, cause from entity_transitions where kind = 'incident' and cause->>'actor' like 'automation:%'`,
    );
    expect(incidents.map((row) => row.cause.actor)).toEqual(['automation:as-default']);
  });
});

describe('commands naming catalog entities that do not exist', () => {
  it('are refused over HTTP and NATS with INVALID_EVENT naming the field, and change nothing', async () => {
    const check = { type: 'create', systemId: 'nowhere', strategy: { kind: 'tcp', host: '127.0.0.1', port: 9 }, satelliteIds: [] };
    const overHttp = await http('POST', '/entities/check/ghost-check/events', tokens.operator, check);
    expect(overHttp.status).toBe(400);
    expect(overHttp.body.error).toMatchObject({ code: 'INVALID_EVENT', details: { issues: [{ path: ['systemId'], message: 'no system "nowhere" exists (create it first)' }] } });

    await fixture.node.router.dispatch('satellite', 'known-sat', { type: 'register', name: 'Known', region: 'eu' });
    const overNats = await nats('check', 'ghost-check', { ...check, systemId: 'shop', satelliteIds: ['known-sat', 'ghost-sat-1', 'ghost-sat-2'] }, tokens.operator);
    expect(overNats.ok ? null : overNats.error).toMatchObject({ code: 'INVALID_EVENT', message: expect.stringContaining('satelliteIds: no satellite "ghost-sat-1", "ghost-sat-2" exists (create them first)') });
    expect((await fixture.node.runtime.get('check', 'ghost-check')).version).toBe(0);

    // An update is checked the same way; a valid create passes.
    expect(codeOf(await nats('check', 'real-check', { ...check, systemId: 'shop', satelliteIds: ['known-sat'] }, tokens.operator))).toBe('OK');
    const moved = await http('POST', '/entities/check/real-check/events', tokens.operator, { type: 'update', satelliteIds: ['gone'] });
    expect(moved.body.error).toMatchObject({ code: 'INVALID_EVENT' });
    expect((await fixture.node.runtime.get('check', 'real-check')).state).toMatchObject({ satelliteIds: ['known-sat'] });

    const maintenance = await http('POST', '/entities/maintenance/m-ghost/events', tokens.operator, { type: 'create', title: 'T', systemIds: ['shop', 'nowhere'], schedule: { kind: 'once', startsAt: Date.now() + 60_000, endsAt: Date.now() + 120_000 } });
    expect(maintenance.body.error?.message).toContain('systemIds: no system "nowhere" exists');
    const system = await http('POST', '/entities/system/s-ghost/events', tokens.operator, { type: 'create', name: 'S', groupIds: ['no-group'] });
    expect(system.body.error?.message).toContain('groupIds: no group "no-group" exists');
  });
});
