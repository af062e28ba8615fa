import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directActionContext, startSmtpServer, startWebhookReceiver, testCertificate, type TestSmtpServer, type WebhookReceiver } from '../../automations/actions/test-support.ts';
import { notifySlack } from '../../automations/actions/notify-slack.action.ts';
import { ABANDONED_ATTEMPT_ERROR, DeliveryAttempts, DeliveryBusyError, deliveryIdOf, type PreparedDelivery } from '../../automations/engine/delivery-attempts.ts';
import type { AutomationRunState } from '../../machines/index.ts';
import { DeliveryStore } from '../../persistence/index.ts';
import { checkAutomation } from '../../automations/save-check.ts';
import { loadTemplate, renderTemplate } from '../../automations/templates/index.ts';
import { useTestNode } from '../support/fixtures.ts';
import { authorization } from '../support/isolation.ts';
import { waitFor } from '../support/stream-reader.ts';
import { runVigil } from '../support/vigil-cli.ts';

// A Slack endpoint that is down (500) until `slackDown` is cleared, and a webhook receiver that is up.
let slackDown = true;
let slack: WebhookReceiver;
let hooks: WebhookReceiver;
let smtp: TestSmtpServer;
let certificate: { key: string; cert: string };
const SIGNING_KEY = `whsec_${randomBytes(32).toString('base64')}`;
const SLACK_PATH = '/services/T0001/B0002/s3cr3t-slack-path';
const SMTP_PASSWORD = 'smtp-pa55word-9c1e';

beforeAll(async () => {
  certificate = testCertificate();
  [slack, hooks, smtp] = await Promise.all([
    startWebhookReceiver(() => (slackDown ? { status: 500, body: 'rollup_error' } : { status: 200, body: 'ok' })),
    startWebhookReceiver(),
    startSmtpServer({ mode: 'starttls', tls: certificate, credentials: { username: 'vigil', password: SMTP_PASSWORD } }),
  ]);
});
afterAll(async () => {
  await Promise.all([slack.close(), hooks.close(), smtp.close()]);
});

const fixture = useTestNode({
  env: {
    // Read when the node starts, after beforeAll above has bound the receivers.
    get VIGIL_SECRET_SLACK_URL() {
      return `${slack.origin}${SLACK_PATH}`;
    },
    VIGIL_SECRET_HOOK_KEY: SIGNING_KEY,
    VIGIL_SECRET_SMTP_PASSWORD: SMTP_PASSWORD,
  } as Record<string, string>,
});
const api = async (method: string, path: string) => {
  const response = await fetch(`http://127.0.0.1:${fixture.node.http.port}${path}`, { method, headers: authorization() });
  return { status: response.status, body: (await response.json()) as any };
};
const runsOf = async (automationId: string) =>
  (await fixture.node.database.query<{ state: AutomationRunState }>(`select state from entity_state where kind = 'automation_run' and state->>'automationId' = ?`, [automationId])).map((row) => row.state);

describe('notification steps in a node', () => {
  it('retry a failing Slack endpoint with backoff until the delivery is dead, then an operator retries it by hand once it is back', async () => {
    await fixture.node.router.dispatch('automation', 'notify-on-incident', {
      type: 'save',
      definition: {
        id: 'notify-on-incident',
        name: 'Tell people about new incidents',
        triggers: [{ id: 'opened', event: 'incident.created' }],
        actions: [
          {
            parallel: [
              { id: 'slack', action: 'notify.slack', config: { webhook_url: '${{ secrets.SLACK_URL }}', retry: { max_attempts: 3, initial_delay: '100ms', max_delay: '200ms' } } },
              { id: 'hook', action: 'notify.webhook', config: { url: `${hooks.origin}/vigil`, signing_secret: '${{ secrets.HOOK_KEY }}' } },
              {
                id: 'mail',
                action: 'notify.email',
                config: { host: 'localhost', port: smtp.port, ca: certificate.cert, username: 'vigil', password: '${{ secrets.SMTP_PASSWORD }}', from: 'Vigil <alerts@example.com>', to: 'oncall@example.com' },
              },
            ],
          },
        ],
      },
    });
    await fixture.node.router.dispatch('incident', 'inc-1', { type: 'create', title: 'Checkout is down', severity: 'critical', systemIds: ['shop'] });

    const run = await waitFor(async () => (await runsOf('notify-on-incident')).find((candidate) => candidate.status === 'failed'), 20_000, 'the run failed');
    expect(slack.received).toHaveLength(3);
    const slackPath = 'actions[0].parallel[0]';
    // Every attempt is in the run's trace: two that wait for the next, the last one dead.
    expect(run.steps.filter((step) => step.path === slackPath).map((step) => [step.status, step.attempts])).toEqual([
      ['waiting', 1],
      ['waiting', 2],
      ['failed', 3],
    ]);
    expect(run.reason).toMatch(/^actions\[0\]\.parallel\[0\]: delivery dlv_[0-9a-f]{32} is dead after 3 attempts: HTTP 500 from POST http:\/\/127\.0\.0\.1:\d+: rollup_error$/);
    const [waited, retried] = run.steps.filter((step) => step.path === slackPath);
    expect((retried!.output as { retryAt: number }).retryAt - waited!.endedAt).toBeGreaterThanOrEqual(100);

    // The webhook branch went through, signed, with the default envelope for the trigger.
    expect(hooks.received).toHaveLength(1);
    const envelope = new Webhook(SIGNING_KEY).verify(hooks.received[0]!.body, hooks.received[0]!.headers as Record<string, string>) as any;
    expect(envelope).toMatchObject({ type: 'incident.created', data: { title: 'Incident opened: Checkout is down', run_id: run.runId, trigger: { event: 'incident.created', payload: { incidentId: 'inc-1' } } } });
    // The e-mail went over STARTTLS with the login from the secret, with the default subject and body.
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]).toMatchObject({ from: 'alerts@example.com', to: ['oncall@example.com'], user: 'vigil', secure: true });
    expect(smtp.received[0]!.raw).toMatch(/^Subject: Incident opened: Checkout is down\r$/m);
    expect(smtp.received[0]!.raw).toContain('Incident inc-1');
    expect(smtp.received[0]!.raw.replace(/=\r\n/g, '')).toContain(`run ${run.runId}`); // the footer (a quoted-printable soft break removed)
    const message = JSON.parse(slack.received[0]!.body);
    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Incident opened: Checkout is down', emoji: true } });

    // The delivery log, through the API.
    const dead = await api('GET', `/deliveries?status=dead&run=${encodeURIComponent(run.runId)}`);
    expect(dead.status).toBe(200);
    expect(dead.body.items).toEqual([expect.objectContaining({ action: 'notify.slack', status: 'dead', attemptCount: 3, maxAttempts: 3, lastResponseCode: 500, stepPath: slackPath, target: `Slack webhook ${slack.origin}` })]);
    const deliveryId: string = dead.body.items[0].id;
    const detail = await api('GET', `/deliveries/${deliveryId}`);
    expect(detail.body.attempts.map((attempt: any) => [attempt.attempt, attempt.status, attempt.responseCode, attempt.madeBy])).toEqual([
      [1, 'failed', 500, 'automation'],
      [2, 'failed', 500, 'automation'],
      [3, 'dead', 500, 'automation'],
    ]);
    expect(detail.body.request.config.webhook_url).toBe('${{ secrets.SLACK_URL }}');

    // The endpoint is back: the operator retries the dead delivery from the CLI.
    slackDown = false;
    const listed = await runVigil(fixture, ['deliveries', 'list', '--dead']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(deliveryId);
    const retried1 = await runVigil(fixture, ['deliveries', 'retry', deliveryId]);
    expect(retried1.code, retried1.stderr).toBe(0);
    expect(retried1.stdout).toContain(`delivery ${deliveryId} (notify.slack → Slack webhook ${slack.origin}): delivered, 4 of 3 attempts`);
    expect(retried1.stdout).toMatch(/#4 delivered\s+200 .* by token:admin$/m);
    expect(slack.received).toHaveLength(4);
    expect(slack.received[3]!.body).toBe(slack.received[0]!.body);
    // Delivered: nothing more to retry.
    const again = await runVigil(fixture, ['deliveries', 'retry', deliveryId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('CONFLICT');

    // The run's trace shows both deliveries and every attempt; the run itself stays failed.
    const shown = await api('GET', `/runs/${encodeURIComponent(run.runId)}`);
    expect(shown.body.status).toBe('failed');
    expect(shown.body.deliveries.map((delivery: any) => [delivery.action, delivery.status, delivery.attempts.map((attempt: any) => attempt.status)]).sort()).toEqual([
      ['notify.email', 'delivered', ['delivered']],
      ['notify.slack', 'delivered', ['failed', 'failed', 'dead', 'delivered']],
      ['notify.webhook', 'delivered', ['delivered']],
    ]);

    // Every attempt is counted in the node's metrics, by action and outcome.
    const metrics = await (await fetch(`http://127.0.0.1:${fixture.node.http.port}/metrics`, { headers: authorization() })).text();
    const attempts = (action: string, outcome: string) => Number(new RegExp(`^vigil_notification_attempts_total\\{action="${action.replace('.', '\\.')}",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);
    expect([attempts('notify.slack', 'failed'), attempts('notify.slack', 'dead'), attempts('notify.slack', 'delivered'), attempts('notify.email', 'delivered'), attempts('notify.webhook', 'delivered')]).toEqual([2, 1, 1, 1, 1]);

    // No secret in the delivery log.
    const stored = await fixture.node.database.query<{ text: string }>(`select (d.request::text || coalesce(d.last_error, '') || coalesce(string_agg(a.error, ''), '')) as text from notification_deliveries d left join notification_delivery_attempts a on a.delivery_id = d.id group by d.id`);
    for (const row of stored) {
      expect(row.text).not.toContain('s3cr3t-slack-path');
      expect(row.text).not.toContain(SIGNING_KEY.slice(6, 30));
      expect(row.text).not.toContain(SMTP_PASSWORD);
    }
  });

  it('make a delivery dead when its run is cancelled while it waits for the next attempt', async () => {
    await fixture.node.router.dispatch('automation', 'notify-nowhere', {
      type: 'save',
      definition: {
        id: 'notify-nowhere',
        name: 'Webhook to a closed port',
        triggers: [{ id: 'opened', event: 'incident.created' }],
        actions: [{ action: 'notify.webhook', config: { url: 'http://127.0.0.1:1/hook', signing_secret: '${{ secrets.HOOK_KEY }}', retry: { initial_delay: '1h', max_delay: '1h' } } }],
      },
    });
    await fixture.node.router.dispatch('incident', 'inc-2', { type: 'create', title: 'Nobody listens', severity: 'minor', systemIds: ['shop'] });
    const waiting = await waitFor(async () => (await runsOf('notify-nowhere')).find((run) => run.status === 'waiting'), 15_000, 'the run waits for the next attempt');
    expect(waiting.steps.at(-1)).toMatchObject({ status: 'waiting', attempts: 1, error: expect.stringContaining('POST http://127.0.0.1:1: fetch failed') });
    await fixture.node.router.dispatch('automation_run', waiting.runId, { type: 'cancel', reason: 'by hand' });
    const dead = await waitFor(async () => (await api('GET', `/deliveries?run=${encodeURIComponent(waiting.runId)}&status=dead`)).body.items[0], 10_000, 'the delivery is dead');
    expect(dead).toMatchObject({ attemptCount: 1, nextAttemptAt: null, lastError: 'the run ended (cancelled: by hand) before the delivery was done' });
  });

  it('a shipped template given slack_webhook_secret posts each incident it opens', async () => {
    slackDown = false;
    const rendered = renderTemplate(loadTemplate('flapping'), { id: 'flaps', changes: '2', within: '1m', slack_webhook_secret: 'SLACK_URL' });
    const checked = checkAutomation(rendered.automation);
    if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
    await fixture.node.router.dispatch('automation', 'flaps', { type: 'save', definition: checked.definition });
    const report = (success: boolean) =>
      fixture.node.router.dispatch('health', 'api', { type: 'check_result', checkId: 'http', source: 'test', success, thresholds: { healthyAfter: 1, degradedAfter: 1, unhealthyAfter: 1000 } });
    await report(false);
    await report(true);
    const posted = await waitFor(() => slack.received.map((request) => JSON.parse(request.body) as { text: string }).find((message) => message.text.startsWith('api is flapping')), 15_000, 'the flapping incident posted');
    const run = await waitFor(async () => (await runsOf('flaps')).find((candidate) => candidate.status === 'succeeded'), 10_000, 'the run succeeded');
    // The template's title, the trigger's default text (the change that reached the count).
    expect(posted.text).toBe(`api is flapping: incident ${(run.artifacts.incident as { id: string }).id}\n1 of 1 checks healthy (was degraded).`);
    expect(run.steps.map((step) => [step.path, step.kind, step.status])).toEqual([
      ['actions[0]', 'action', 'succeeded'],
      ['actions[1]', 'action', 'succeeded'],
    ]);
  });

  it('write off an attempt whose node stopped mid-way once its lease is over, and count it', async () => {
    const store = new DeliveryStore(fixture.node.database);
    let now = Date.now();
    const attempts = new DeliveryAttempts(store, () => now);
    const config = notifySlack.versions[1]!.parse({ webhook_url: `${hooks.origin}/slack`, retry: { max_attempts: 2, initial_delay: '100ms' } });
    const prepared: PreparedDelivery = { provider: notifySlack as PreparedDelivery['provider'], version: 1, config, maskSecrets: (text) => text, context: directActionContext({ runId: 'crash:r1', idempotencyKey: 'crash:r1:actions[0]' }) };
    const step = { runId: 'crash:r1', automationId: 'crash', path: 'actions[0]', request: { version: 1, config: {}, idempotencyKey: 'crash:r1:actions[0]' } };
    // A node claimed the first attempt and died before it ended.
    const id = deliveryIdOf(step.request.idempotencyKey);
    await store.open({ id, runId: step.runId, automationId: step.automationId, stepPath: step.path, action: 'notify.slack', target: 'x', maxAttempts: 2, request: step.request }, now);
    expect(await store.claimAttempt({ id, status: 'pending', attempts: 0, now, leaseUntil: now + 1_000, madeBy: 'automation' })).toBe(1);
    // While the lease holds, the step is retried later rather than attempting twice.
    await expect(attempts.visit(prepared, step)).rejects.toBeInstanceOf(DeliveryBusyError);
    now += 1_001;
    const visit = await attempts.visit(prepared, step);
    expect(visit).toMatchObject({ kind: 'delivered', attempt: 2 });
    const log = (await store.attemptsOf([id])).get(id)!;
    expect(log.map((attempt) => [attempt.attempt, attempt.status, attempt.error])).toEqual([
      [1, 'failed', ABANDONED_ATTEMPT_ERROR],
      [2, 'delivered', null],
    ]);
  });
});
