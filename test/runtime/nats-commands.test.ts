import { headers } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import type { CommandReply } from '../../actors/index.ts';
import { useTestNode } from '../support/fixtures.ts';
import { TEST_ADMIN_TOKEN } from '../support/isolation.ts';

const fixture = useTestNode();

async function command(kind: string, id: string, body: unknown, extra?: Record<string, string>): Promise<CommandReply> {
  const h = headers();
  h.set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
  for (const [name, value] of Object.entries(extra ?? {})) h.set(name, value);
  const data = typeof body === 'string' ? body : JSON.stringify(body);
  const reply = await fixture.node.bus.nc.request(fixture.node.bus.subjects.command(kind, id), data, { timeout: 5_000, headers: h });
  return reply.json<CommandReply>();
}

describe('commands over NATS (<ns>.cmd.<kind>.<id>)', () => {
  it('replies with the committed change; the cause is the token, whatever Vigil-Actor and Vigil-Run-Id say', async () => {
    const reply = await command('incident', 'inc-1', { type: 'create', title: 'Checkout down', severity: 'major', systemIds: ['shop'] }, {
      'Vigil-Actor': 'automation:escalate',
      'Vigil-Run-Id': 'run-9',
    });
    expect(reply).toMatchObject({
      ok: true,
      change: { kind: 'incident', id: 'inc-1', version: 1, prev: null, cause: { event: 'create', actor: 'token:admin' } },
    });
    expect(reply.ok && reply.change?.cause.runId).toBeUndefined();
  });

  it('replies change null for a no-op', async () => {
    await command('group', 'g-1', { type: 'create', name: 'Payments' });
    expect(await command('group', 'g-1', { type: 'update', name: 'Payments' })).toEqual({ ok: true, change: null });
  });

  it.each([
    ['unknown kind', 'planet', 'p1', { type: 'create' }, 'UNKNOWN_KIND'],
    ['body that is not JSON', 'system', 's1', '{nope', 'INVALID_EVENT'],
    ['event failing its schema', 'system', 's1', { type: 'create', name: '' }, 'INVALID_EVENT'],
    ['unknown event type', 'system', 's1', { type: 'launch' }, 'INVALID_EVENT'],
    ['runtime-only event', 'satellite', 'sat-1', { type: 'heartbeat_timeout', dueAt: 0 }, 'INVALID_EVENT'],
    ['event not allowed in the current state', 'incident', 'inc-1', { type: 'reopen' }, 'EVENT_NOT_ALLOWED'],
  ])('refuses a %s with a structured error and changes nothing', async (_label, kind, id, body, code) => {
    const before = kind === 'planet' ? null : await fixture.node.runtime.get(kind, id);
    const reply = await command(kind, id, body);
    expect(reply.ok).toBe(false);
    if (!reply.ok) {
      expect(reply.error.code).toBe(code);
      expect(reply.error.message.length).toBeGreaterThan(10);
    }
    if (before) expect(await fixture.node.runtime.get(kind, id)).toEqual(before);
  });

  it('lists the schema problems of an invalid event', async () => {
    const reply = await command('incident', 'inc-2', { type: 'create', title: 'x', severity: 'apocalyptic', systemIds: [] });
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(JSON.stringify(reply.error.details)).toContain('severity');
  });
});
