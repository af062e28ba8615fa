import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../automations/actions/test-support.ts';
import type { AutomationRunState } from '../../machines/index.ts';
import { startClusterWithClients } from '../support/cluster.ts';
import { useIsolation } from '../support/fixtures.ts';
import { waitFor } from '../support/stream-reader.ts';
import { scaled } from '../support/time-scale.ts';

const isolation = useIsolation();
const SECRET = 'sk-live-93b1f0c6e2a4';
// Substituted raw into the query, it reaches the receiver (and its echo) partly percent-encoded: `p@ss%20w0rd%22x`.
const QUERY_SECRET = 'p@ss w0rd"x-51c9';
const SIGNING_SECRET = `whsec_${randomBytes(32).toString('base64')}`;

/** A webhook that echoes what it got, and fails twice before it succeeds (the step is retried). */
let webhook: WebhookReceiver;
beforeAll(async () => {
  webhook = await startWebhookReceiver((request, index) => ({ status: index < 2 ? 500 : 200, body: `you sent ${request.headers.authorization ?? ''} to ${request.url}` }));
});
afterAll(() => webhook.close());

describe('secrets in a real node process', () => {
  it('never reach its log (info and debug), the run trace or the stored transitions', async () => {
    const env = { VIGIL_SECRET_API_TOKEN: SECRET, VIGIL_SECRET_QUERY_KEY: QUERY_SECRET, VIGIL_SECRET_HOOK_SIGNING_KEY: SIGNING_SECRET, VIGIL_LOG_LEVEL: 'debug' };
    const { nodes, db, command } = await startClusterWithClients(isolation, { size: 1, leaseTtlMs: 2_000, env });
    const url = `${webhook.origin}/hook?token=\${{ secrets.API_TOKEN }}&key=\${{ secrets.QUERY_KEY }}`;
    await command('system', 'vault', { type: 'create', name: 'vault' });
    await command('automation', 'leaky', {
      type: 'save',
      definition: {
        id: 'leaky',
        name: 'tries hard to leak a secret',
        triggers: [{ id: 'renamed', event: 'catalog.updated' }],
        actions: [
          { action: 'automation.log', config: { message: 'the token is ${{ secrets.API_TOKEN }}', level: 'warn' } },
          { action: 'http.request', config: { url, headers: { authorization: 'Bearer ${{ secrets.API_TOKEN }}' }, body: { run: '{{ run.id }}' }, signing_secret: '${{ secrets.HOOK_SIGNING_KEY }}' } },
        ],
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await command('system', 'vault', { type: 'update', name: 'vault 2' });

    const run = await waitFor(async () => {
      const rows = (await db.query(`select state from entity_state where kind = 'automation_run'`)).rows as Array<{ state: AutomationRunState }>;
      return rows.find((row) => row.state.status === 'succeeded')?.state;
    }, 20_000, 'the run succeeded');
    expect(webhook.received).toHaveLength(3); // two transient failures, retried
    expect(run.steps.find((step) => step.kind === 'action' && step.path === 'actions[1]')!.attempts).toBe(3);
    // Every attempt is signed, verifies with the reference library, and carries the same webhook-id.
    for (const request of webhook.received) expect(new Webhook(SIGNING_SECRET).verify(request.body, request.headers as Record<string, string>)).toEqual({ run: run.runId });
    expect(new Set(webhook.received.map((request) => request.headers['webhook-id'])).size).toBe(1);
    const sentQuery = webhook.received[0]!.url.split('key=')[1]!;
    expect(sentQuery).toBe('p@ss%20w0rd%22x-51c9');

    // `w0rd` is in every form of QUERY_SECRET (raw, percent-encoded, JSON-escaped as stored and logged).
    const leaks = [SECRET, 'w0rd', sentQuery, SIGNING_SECRET.slice('whsec_'.length)];
    expect(JSON.stringify(run)).toContain('you sent Bearer *** to /hook?token=***&key=***');
    for (const leak of leaks) expect(JSON.stringify(run), leak).not.toContain(leak);
    for (const leak of leaks) {
      const stored = await db.query(`select count(*)::int as n from entity_transitions where next::text like $1 or event::text like $1 or prev::text like $1`, [`%${leak}%`]);
      expect(stored.rows[0].n, leak).toBe(0);
    }

    const log = nodes[0]!.output;
    expect(log).toContain('the token is ***'); // the action's own log line, masked
    expect(log).toMatch(/HTTP 500[^\n]*it is retried|it is retried[^\n]*HTTP 500/); // the retried failures were logged
    for (const leak of leaks) expect(log, leak).not.toContain(leak);
  }, scaled(60_000));
});
