import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AutomationRunState } from '../../machines/index.ts';
import { startClusterWithClients } from '../support/cluster.ts';
import { useIsolation } from '../support/fixtures.ts';
import { waitFor } from '../support/stream-reader.ts';

const isolation = useIsolation();
const SECRET = 'sk-live-93b1f0c6e2a4';

/** A webhook that echoes what it got, and fails twice before it succeeds (the step is retried). */
let webhook: Server;
let calls = 0;
beforeAll(async () => {
  webhook = createServer((request, response) => {
    calls++;
    response.writeHead(calls <= 2 ? 500 : 200, { 'content-type': 'text/plain' });
    response.end(`you sent ${request.headers.authorization ?? ''} to ${request.url ?? ''}`);
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => webhook.close(() => resolve())));

describe('secrets in a real node process', () => {
  it('never reach its log (info and debug), the run trace or the stored transitions', async () => {
    const { nodes, db, command } = await startClusterWithClients(isolation, { size: 1, leaseTtlMs: 2_000, env: { VIGIL_SECRET_API_TOKEN: SECRET, VIGIL_LOG_LEVEL: 'debug' } });
    const url = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook?token=\${{ secrets.API_TOKEN }}`;
    await command('system', 'vault', { type: 'create', name: 'vault' });
    await command('automation', 'leaky', {
      type: 'save',
      definition: {
        id: 'leaky',
        name: 'tries hard to leak a secret',
        triggers: [{ id: 'renamed', event: 'catalog.updated' }],
        actions: [
          { action: 'automation.log', config: { message: 'the token is ${{ secrets.API_TOKEN }}', level: 'warn' } },
          { action: 'http.request', config: { url, headers: { authorization: 'Bearer ${{ secrets.API_TOKEN }}' } } },
        ],
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await command('system', 'vault', { type: 'update', name: 'vault 2' });

    const run = await waitFor(async () => {
      const rows = (await db.query(`select state from entity_state where kind = 'automation_run'`)).rows as Array<{ state: AutomationRunState }>;
      return rows.find((row) => row.state.status === 'succeeded')?.state;
    }, 20_000, 'the run succeeded');
    expect(calls).toBe(3); // two transient failures, retried
    expect(run.steps.find((step) => step.kind === 'action' && step.path === 'actions[1]')!.attempts).toBe(3);
    expect(JSON.stringify(run)).toContain('***');
    expect(JSON.stringify(run)).not.toContain(SECRET);
    const stored = await db.query(`select count(*)::int as n from entity_transitions where next::text like $1 or event::text like $1 or prev::text like $1`, [`%${SECRET}%`]);
    expect(stored.rows[0].n).toBe(0);

    const log = nodes[0]!.output;
    expect(log).toContain('the token is ***'); // the action's own log line, masked
    expect(log).toMatch(/HTTP 500[^\n]*it is retried|it is retried[^\n]*HTTP 500/); // the retried failures were logged
    expect(log).not.toContain(SECRET);
  }, 60_000);
});
