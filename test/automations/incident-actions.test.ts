import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AutomationRunState } from '../../machines/index.ts';
import { startTestNode } from '../support/test-node.ts';
import { useIsolation } from '../support/fixtures.ts';
import { waitFor } from '../support/stream-reader.ts';
import type { VigilNode } from '../../node/index.ts';

const isolation = useIsolation();
const SECRET = 'tok-7f3a9c1e55d2';
let node: VigilNode;
const received: IncomingHttpHeaders[] = [];
const webhook = createServer((request, response) => {
  received.push(request.headers);
  // Echoes the credential back, as careless webhooks do: the trace must not keep it.
  response.end(JSON.stringify({ ok: true, echoed: request.headers.authorization }));
});

beforeAll(async () => {
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  node = await startTestNode({ databaseUrl: isolation.databaseUrl, namespace: isolation.namespace, env: { VIGIL_SECRET_WEBHOOK_TOKEN: SECRET, VIGIL_LOG_LEVEL: 'info' } });
  isolation.defer(() => node.stop());
  for (const id of ['shop', 'billing', 'carry']) await node.router.dispatch('system', id, { type: 'create', name: id });
});
afterAll(() => new Promise((resolve) => webhook.close(resolve)));

const save = (definition: Record<string, unknown>) => node.router.dispatch('automation', String(definition.id), { type: 'save', definition });

async function runsOf(automationId: string): Promise<AutomationRunState[]> {
  const rows = await node.database.query<{ state: AutomationRunState }>(`select state from entity_state where kind = 'automation_run' and state->>'automationId' = ?`, [automationId]);
  return rows.map((row) => row.state);
}
async function openIncidentsOf(systemId: string) {
  return node.database.query<{ id: string }>(
    `select id from entity_state where kind = 'incident' and state->'systemIds' @> ?::jsonb and state->>'status' <> 'resolved'`,
    [JSON.stringify([systemId])],
  );
}

const openOnRename = (id: string) => ({
  id,
  name: `open an incident (${id})`,
  triggers: [{ id: 'renamed', event: 'catalog.updated', filter: 'trigger.payload.systemId == "shop"' }],
  actions: [
    {
      action: 'incident.create',
      id: 'open',
      config: { title: 'Shop renamed to {{ trigger.payload.systemName }}', severity: 'minor', systemIds: ['{{ trigger.payload.systemId }}'], dedupe_open_for_system: true, message: 'opened by {{ run.automation_id }}' },
    },
    { action: 'incident.add_update', config: { message: 'still looking ({{ artifacts.incident.id }})' } },
  ],
});

describe('incident actions', () => {
  it('dedupe_open_for_system: two automations racing on one event open exactly one incident', async () => {
    await save(openOnRename('opener-a'));
    await save(openOnRename('opener-b'));
    await node.router.dispatch('system', 'shop', { type: 'update', name: 'Shop v2' });
    await waitFor(async () => (await runsOf('opener-a')).concat(await runsOf('opener-b')).filter((run) => run.status === 'succeeded').length === 2, 15_000, 'both runs succeeded');
    const open = await openIncidentsOf('shop');
    expect(open).toHaveLength(1);
    const runs = [...(await runsOf('opener-a')), ...(await runsOf('opener-b'))];
    // Both runs hold the same incident as their artifact; one opened it, the other reused it.
    expect(new Set(runs.map((run) => (run.artifacts.incident as { id: string }).id))).toEqual(new Set([open[0]!.id]));
    expect(runs.map((run) => (run.artifacts.incident as { reused: boolean }).reused).sort()).toEqual([false, true]);
  });

  it('resolves the incident named by the artifact, and http.request carries secrets that never reach the trace', async () => {
    const url = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`;
    await save({
      id: 'resolver',
      name: 'resolve and notify',
      triggers: [{ id: 'renamed', event: 'catalog.updated', filter: 'trigger.payload.systemId == "billing"' }],
      actions: [
        { action: 'incident.create', config: { title: 'Billing', systemIds: ['billing'], dedupe_open_for_system: true } },
        { action: 'incident.resolve', config: { message: 'fixed' } },
        { action: 'http.request', config: { url, headers: { authorization: 'Bearer ${{ secrets.WEBHOOK_TOKEN }}' }, body: { incident: '{{ artifacts.incident.id }}' } } },
        { action: 'automation.log', config: { message: 'notified with ${{ secrets.WEBHOOK_TOKEN }}' } },
      ],
    });
    await node.router.dispatch('system', 'billing', { type: 'update', name: 'Billing v2' });
    await waitFor(async () => (await runsOf('resolver')).some((run) => run.status === 'succeeded' || run.status === 'failed'), 15_000, 'the run ended');
    const [run] = await runsOf('resolver');
    expect(run!.status, JSON.stringify(run!.steps)).toBe('succeeded');
    expect(await openIncidentsOf('billing')).toHaveLength(0);
    // The webhook got the real secret and the run's idempotency key.
    expect(received.at(-1)!.authorization).toBe(`Bearer ${SECRET}`);
    expect(received.at(-1)!['idempotency-key']).toBe(`${run!.runId}:actions[2]`);
    // Nowhere stored: not in the run's transitions, not in any entity state.
    const stored = await node.database.query<{ n: string }>(`select count(*) as n from entity_transitions where next::text like ? or event::text like ?`, [`%${SECRET}%`, `%${SECRET}%`]);
    expect(Number(stored[0]!.n)).toBe(0);
    expect(JSON.stringify(run)).toContain('***');
    expect(JSON.stringify(run)).not.toContain(SECRET);
  });

  it('a later run of the scope resolves the incident an earlier run opened (artifacts carry over), and effects name their run', async () => {
    const definition = {
      id: 'carry',
      name: 'open on down, resolve on up',
      mode: 'queued',
      scope: 'context',
      triggers: [{ id: 'renamed', event: 'catalog.updated', filter: 'trigger.payload.systemId == "carry"' }],
      actions: [
        {
          choose: [{ when: ['trigger.payload.systemName.startsWith("down")'], sequence: [{ action: 'incident.create', config: { title: 'carry down', systemIds: ['carry'], dedupe_open_for_system: true } }] }],
          else: [{ action: 'incident.resolve', config: { message: 'up again' } }],
        },
      ],
    };
    expect(await save(definition)).not.toBeNull();
    // The same document again is a no-op, not an error.
    expect(await save(definition)).toBeNull();
    await node.router.dispatch('system', 'carry', { type: 'update', name: 'down 1' });
    await node.router.dispatch('system', 'carry', { type: 'update', name: 'up 1' });
    await waitFor(async () => (await runsOf('carry')).filter((run) => run.status === 'succeeded').length === 2, 15_000, 'both runs succeeded');
    const incident = (await node.runtime.get('incident', 'auto-carry-1')).state!;
    expect(incident.status).toBe('resolved');
    const history = await node.runtime.history('incident', 'auto-carry-1');
    const runs = await runsOf('carry');
    expect(history.map((row) => [row.cause.event, row.cause.actor])).toEqual([
      ['create', 'automation:carry'],
      ['resolve', 'automation:carry'],
    ]);
    expect(new Set(history.map((row) => row.cause.runId))).toEqual(new Set(runs.map((run) => run.runId)));
  });
});
