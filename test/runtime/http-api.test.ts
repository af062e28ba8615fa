import { describe, expect, it } from 'vitest';
import { useTestNode } from '../support/fixtures.ts';
import { authorization } from '../support/isolation.ts';

const fixture = useTestNode();
const url = (path: string) => `http://127.0.0.1:${fixture.node.http.port}${path}`;

describe('HTTP entity API', () => {
  it('sends events, reads state and history; the cause is the token, whatever Vigil-Actor and Vigil-Run-Id say', async () => {
    const created = await fetch(url('/entities/system/api/events'), {
      method: 'POST',
      headers: { ...authorization(), 'vigil-actor': 'setup-file', 'vigil-run-id': 'run-1' },
      body: JSON.stringify({ type: 'create', name: 'API' }),
    });
    expect(created.status).toBe(200);
    const { change } = await created.json();
    expect(change).toMatchObject({ version: 1, cause: { event: 'create', actor: 'token:admin' } });
    expect(change.cause.runId).toBeUndefined();
    expect(await (await fetch(url('/entities/system/api'), { headers: authorization() })).json()).toMatchObject({ version: 1, state: { name: 'API' }, stateValue: 'active' });
    const history = await (await fetch(url('/entities/system/api/history?fromVersion=1&limit=10'), { headers: authorization() })).json();
    expect(history.transitions).toHaveLength(1);
  });

  it.each([
    ['broken %-encoding in the id', 'GET', '/entities/system/%E0%A4%A', undefined, 400, 'INVALID_ID'],
    ['an unknown kind', 'GET', '/entities/planet/earth', undefined, 404, 'UNKNOWN_KIND'],
    ['a body that is not JSON', 'POST', '/entities/system/x/events', '{', 400, 'INVALID_EVENT'],
    ['an empty body', 'POST', '/entities/system/x/events', '', 400, 'INVALID_EVENT'],
    ['an event not allowed', 'POST', '/entities/system/api/events', '{"type":"create","name":"again"}', 409, 'EVENT_NOT_ALLOWED'],
    ['an unknown route', 'GET', '/nowhere', undefined, 404, 'NOT_FOUND'],
  ])('answers %s with a clear error and stays up', async (_label, method, path, body, status, code) => {
    const response = await fetch(url(path), { method, headers: authorization(), ...(body === undefined ? {} : { body }) });
    expect(response.status).toBe(status);
    expect((await response.json()).error.code).toBe(code);
    expect((await fetch(url('/healthz'))).status).toBe(200);
  });

  it('lists the trigger registry with JSON Schemas', async () => {
    const { triggers } = await (await fetch(url('/triggers'), { headers: authorization() })).json();
    const heartbeatLost = triggers.find((trigger: { id: string }) => trigger.id === 'satellite.heartbeat_lost');
    expect(heartbeatLost).toMatchObject({ contextKey: 'satelliteId', payloadJsonSchema: { type: 'object' } });
  });
});
