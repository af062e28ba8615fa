import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../automations/actions/test-support.ts';
import type { AutomationRunState } from '../../machines/index.ts';
import { auditFencing, idsOwnedBy, startClusterWithClients } from '../support/cluster.ts';
import { useIsolation } from '../support/fixtures.ts';
import { waitFor } from '../support/stream-reader.ts';
import { scaled } from '../support/time-scale.ts';

const isolation = useIsolation();
const LEASE_TTL_MS = 2000;
const RETRY_DELAY_MS = 3000;

// A Slack endpoint that fails (500) until `slackDown` is cleared.
let slackDown = true;
let slack: WebhookReceiver;
beforeAll(async () => {
  slack = await startWebhookReceiver(() => (slackDown ? { status: 500, body: 'upstream_error' } : { status: 200, body: 'ok' }));
});
afterAll(() => slack.close());

describe('a notification waiting for its next attempt when the node holding its run is killed', () => {
  it('is retried by another node, no earlier than its backoff, and delivered once', async () => {
    const { nodes, db, command } = await startClusterWithClients(isolation, { size: 2, leaseTtlMs: LEASE_TTL_MS, env: { VIGIL_SECRET_SLACK_URL: `${slack.origin}/services/T1/B2/secret` } });

    // Incidents whose run (`page-oncall:<incident>:r1`) lives in a partition node-1 owns: node-1
    // holds the timers of their retries, and is the node killed.
    const candidates = Array.from({ length: 200 }, (_, index) => `inc${index}`);
    const owned = new Set(await idsOwnedBy(db, 'node-1', 'automation_run', candidates.map((id) => `page-oncall:${id}:r1`)));
    const incidents = candidates.filter((id) => owned.has(`page-oncall:${id}:r1`)).slice(0, 4);
    expect(incidents.length).toBeGreaterThan(2);
    await command('system', 'shop', { type: 'create', name: 'Shop' });
    await command('automation', 'page-oncall', {
      type: 'save',
      definition: {
        id: 'page-oncall',
        name: 'Tell on-call about new incidents',
        scope: 'context',
        triggers: [{ id: 'opened', event: 'incident.created' }],
        actions: [{ action: 'notify.slack', config: { webhook_url: '${{ secrets.SLACK_URL }}', retry: { max_attempts: 5, initial_delay: `${RETRY_DELAY_MS}ms`, max_delay: `${RETRY_DELAY_MS}ms` } } }],
      },
    });
    // Let every node's router learn of the automation before the first trigger.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const id of incidents) await command('incident', id, { type: 'create', title: `Checkout down (${id})`, severity: 'major', systemIds: ['shop'] });

    const runs = async () =>
      (await db.query(`select state from entity_state where kind = 'automation_run' and state->>'automationId' = 'page-oncall'`)).rows.map((row) => row.state as AutomationRunState);
    await waitFor(async () => (await runs()).filter((run) => run.status === 'waiting').length === incidents.length || undefined, scaled(20_000), 'every run waiting for its next attempt');
    expect(slack.received).toHaveLength(incidents.length);
    slackDown = false;
    await nodes[0]!.kill('SIGKILL');

    const done = await waitFor(async () => {
      const all = await runs();
      return all.length === incidents.length && all.every((run) => run.status === 'succeeded') ? all : undefined;
    }, scaled(40_000), 'every run succeeded after the kill');
    expect(done).toHaveLength(incidents.length);

    // Each delivery: the failed attempt, then one delivered attempt after the backoff (drawn
    // between half and all of the delay: jitter).
    const attempts = (
      await db.query(
        `select d.id, d.status, d.attempts, array_agg(a.status order by a.attempt) as statuses, array_agg(a.at order by a.attempt) as times
         from notification_deliveries d join notification_delivery_attempts a on a.delivery_id = d.id where d.automation_id = 'page-oncall' group by d.id`,
      )
    ).rows;
    expect(attempts).toHaveLength(incidents.length);
    for (const delivery of attempts) {
      expect([delivery.status, delivery.attempts, delivery.statuses]).toEqual(['delivered', 2, ['failed', 'delivered']]);
      expect(Number(delivery.times[1]) - Number(delivery.times[0])).toBeGreaterThanOrEqual(RETRY_DELAY_MS / 2);
    }
    // The endpoint saw each incident twice: the failure before the kill, one delivery after it.
    const delivered = slack.received.slice(incidents.length);
    expect(delivered).toHaveLength(incidents.length);
    expect(new Set(delivered.map((request) => request.body)).size).toBe(incidents.length);
    // The retries were woken by the surviving node, never before they were due.
    const wakes = (await db.query(`select at, committed_by, event from entity_transitions where kind = 'automation_run' and event->>'type' = 'wake'`)).rows;
    expect(wakes.map((wake) => wake.committed_by)).toEqual(incidents.map(() => 'node-2'));
    for (const wake of wakes) expect(Number(wake.at)).toBeGreaterThanOrEqual(Number(wake.event.dueAt));
    expect(await auditFencing(isolation.databaseUrl, 32)).toEqual([]);
  }, scaled(120_000));
});
