import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTriggers } from '../../machines/index.ts';
import { renderDeep } from '../expressions/index.ts';
import { checkAutomation } from '../save-check.ts';
import { DeliveryFailure, type ActionProvider } from './action-provider.ts';
import { retryDelayMs } from './delivery-retry.ts';
import { defaultMessage, triggersWithMessages } from './notification-messages.ts';
import { notifyEmail } from './notify-email.action.ts';
import { notifySlack, slackMessage } from './notify-slack.action.ts';
import { notificationEnvelopeSchema, notifyWebhook } from './notify-webhook.action.ts';
import { directActionContext, startSmtpServer, startWebhookReceiver, testCertificate, type TestSmtpServer, type WebhookReceiver } from './test-support.ts';
import { webhookId } from './webhook-signature.ts';

const SIGNING_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const CREDENTIALS = { username: 'vigil', password: 'pa55-w0rd-smtp' };
const DELIVERY = { id: 'dlv_0123456789abcdef0123456789abcdef', attempt: 1, createdAt: Date.parse('2026-03-01T12:00:00.000Z') };

let statusFor: (path: string) => number = () => 200;
let receiver: WebhookReceiver;
let certificate: { key: string; cert: string };
let starttls: TestSmtpServer;
let implicitTls: TestSmtpServer;
let plain: TestSmtpServer;

beforeAll(async () => {
  receiver = await startWebhookReceiver((request) => ({ status: statusFor(request.url), body: statusFor(request.url) === 200 ? 'ok' : 'no_service' }));
  certificate = testCertificate();
  [starttls, implicitTls, plain] = await Promise.all([
    startSmtpServer({ mode: 'starttls', tls: certificate, credentials: CREDENTIALS }),
    startSmtpServer({ mode: 'tls', tls: certificate, credentials: CREDENTIALS }),
    startSmtpServer({ mode: 'plain', tls: certificate }),
  ]);
});
afterAll(async () => {
  await Promise.all([receiver.close(), starttls.close(), implicitTls.close(), plain.close()]);
});

/** Runs one attempt of `action` the way the engine does: config parsed with its schema (defaults applied). */
async function attempt(action: ActionProvider, config: Record<string, unknown>) {
  return action.execute(action.versions[1]!.parse(config), 1, directActionContext({ delivery: DELIVERY }));
}

async function failure(work: Promise<unknown>): Promise<DeliveryFailure> {
  try {
    await work;
  } catch (error) {
    if (error instanceof DeliveryFailure) return error;
    throw error;
  }
  throw new Error('expected a DeliveryFailure');
}

const message = { title: 'db is degraded', text: '1 of 2 checks healthy <!channel> & more', footer: 'Vigil · run r1' };

describe('notify.slack', () => {
  it('posts a Block Kit message (header, section, context) with a plain-text fallback, mrkdwn escaped', async () => {
    const result = await attempt(notifySlack, { webhook_url: `${receiver.origin}/services/T1/B2/x`, ...message, title: 'db\nis degraded' });
    expect(result.output).toEqual({ responseCode: 200 });
    const request = receiver.received.at(-1)!;
    expect(request.url).toBe('/services/T1/B2/x');
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(request.body)).toEqual({
      text: 'db is degraded\n1 of 2 checks healthy <!channel> & more',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'db is degraded', emoji: true } },
        { type: 'section', text: { type: 'mrkdwn', text: '1 of 2 checks healthy &lt;!channel&gt; &amp; more' } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'Vigil · run r1' }] },
      ],
    });
  });

  it('cuts to Slack\'s limits', () => {
    const long = slackMessage({ title: 'x'.repeat(400), text: 'y'.repeat(5000), footer: '' });
    expect(long.blocks[0]).toMatchObject({ text: { text: `${'x'.repeat(149)}…` } });
    expect((long.blocks[1] as { text: { text: string } }).text.text).toHaveLength(3000);
    expect(long.blocks).toHaveLength(2);
  });

  it('fails transiently on 5xx and network errors, for good on 4xx and redirects', async () => {
    const url = (path: string) => `${receiver.origin}${path}`;
    statusFor = (path) => Number(path.slice(1));
    try {
      expect(await failure(attempt(notifySlack, { webhook_url: url('/500') }))).toMatchObject({ responseCode: 500, permanent: false, message: `HTTP 500 from POST ${receiver.origin}: no_service` });
      expect(await failure(attempt(notifySlack, { webhook_url: url('/429') }))).toMatchObject({ responseCode: 429, permanent: false });
      expect(await failure(attempt(notifySlack, { webhook_url: url('/404') }))).toMatchObject({ responseCode: 404, permanent: true });
      expect(await failure(attempt(notifySlack, { webhook_url: url('/301') }))).toMatchObject({ responseCode: 301, permanent: true, message: expect.stringContaining('redirects are not followed') });
    } finally {
      statusFor = () => 200;
    }
    const closed = await failure(attempt(notifySlack, { webhook_url: 'http://127.0.0.1:1/hook' }));
    expect(closed).toMatchObject({ responseCode: null, permanent: false, message: expect.stringContaining('POST http://127.0.0.1:1: fetch failed') });
  });
});

describe('notify.webhook', () => {
  it('sends { type, timestamp, data } signed per Standard Webhooks, webhook-id from the step\'s key', async () => {
    await attempt(notifyWebhook, { url: `${receiver.origin}/vigil`, signing_secret: SIGNING_SECRET, type: 'incident.created', data: { title: 'API down', n: 1 }, headers: { 'X-Team': 'sre' } });
    const request = receiver.received.at(-1)!;
    const verified = new Webhook(SIGNING_SECRET).verify(request.body, request.headers as Record<string, string>);
    expect(verified).toEqual({ type: 'incident.created', timestamp: '2026-03-01T12:00:00.000Z', data: { title: 'API down', n: 1 } });
    expect(notificationEnvelopeSchema.parse(verified)).toEqual(verified);
    expect(request.headers['webhook-id']).toBe(webhookId('auto-1:r1:actions[0]'));
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-team']).toBe('sre');
    expect(() => notifyWebhook.versions[1]!.parse({ url: receiver.origin, signing_secret: SIGNING_SECRET, headers: { 'Webhook-Signature': 'v1,x' } })).toThrow('is set by Vigil');
  });
});

describe('notify.email', () => {
  const base = { host: 'localhost', from: 'Vigil Alerts <alerts@example.com>', to: ['ops@example.com', 'Dev Team <dev@example.com>'], subject: 'db is degraded', text: '1 of 2 checks healthy', ...CREDENTIALS };

  it('delivers over STARTTLS with the login, subject, body and a Message-ID that is the same on every attempt', async () => {
    const config = { ...base, ca: certificate.cert, port: starttls.port, html: '<p>1 of 2 checks <b>healthy</b></p>' };
    const first = await attempt(notifyEmail, config);
    await attempt(notifyEmail, config);
    expect(first.output).toMatchObject({ responseCode: 250, accepted: 2 });
    expect(starttls.received).toHaveLength(2);
    const [mail, again] = starttls.received;
    expect(mail).toMatchObject({ from: 'alerts@example.com', to: ['ops@example.com', 'dev@example.com'], user: 'vigil', secure: true });
    expect(mail!.raw).toMatch(/^Subject: db is degraded\r$/m);
    expect(mail!.raw).toMatch(/^From: Vigil Alerts <alerts@example.com>\r$/m);
    expect(mail!.raw).toContain('1 of 2 checks healthy');
    expect(mail!.raw).toContain('<p>1 of 2 checks <b>healthy</b></p>');
    const messageId = /^Message-ID: (.*)\r$/m.exec(mail!.raw)![1];
    expect(messageId).toBe(`<${DELIVERY.id}@example.com>`);
    expect(/^Message-ID: (.*)\r$/m.exec(again!.raw)![1]).toBe(messageId);
  });

  it('delivers over implicit TLS; refuses a server that does not offer STARTTLS unless security is none', async () => {
    await attempt(notifyEmail, { ...base, ca: certificate.cert, port: implicitTls.port, security: 'tls' });
    expect(implicitTls.received.at(-1)).toMatchObject({ user: 'vigil', secure: true });

    const { username: _u, password: _p, ...anonymous } = base;
    const downgraded = await failure(attempt(notifyEmail, { ...anonymous, ca: certificate.cert, port: plain.port }));
    expect(downgraded).toMatchObject({ permanent: true, message: expect.stringMatching(/^smtp localhost:\d+: ETLS .*STARTTLS/) });
    expect(plain.received).toHaveLength(0);
    await attempt(notifyEmail, { ...anonymous, port: plain.port, security: 'none' });
    expect(plain.received.at(-1)).toMatchObject({ user: null, secure: false });
  });

  it('fails for good on a refused login and on an untrusted certificate, without the password in the message', async () => {
    const refused = await failure(attempt(notifyEmail, { ...base, ca: certificate.cert, port: starttls.port, password: 'wrong-password' }));
    expect(refused).toMatchObject({ responseCode: 535, permanent: true });
    const untrusted = await failure(attempt(notifyEmail, { ...base, ca: undefined, port: starttls.port }));
    expect(untrusted.permanent).toBe(true);
    expect(untrusted.message).toMatch(/certificate/i);
    for (const error of [refused, untrusted]) expect(error.message).not.toContain('pa55');
  });

  it('refuses header injection and unsafe settings in its config', () => {
    const schema = notifyEmail.versions[1]!;
    const issues = (config: Record<string, unknown>) => {
      const parsed = schema.safeParse({ ...base, port: 587, ...config });
      return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    };
    expect(issues({ subject: 'hello\r\nBcc: victim@example.com' })).toEqual(['subject: subject cannot contain CR, LF or NUL']);
    expect(issues({ to: 'ops@example.com\r\nBcc: victim@example.com' })).toEqual(['to.0: an address cannot contain CR, LF or NUL']);
    expect(issues({ from: 'not an address' })).toEqual(['from: "not an address" is not an e-mail address (name@example.com or Name <name@example.com>)']);
    expect(issues({ security: 'none' })).toEqual(['security: credentials are only sent over TLS: use security starttls or tls, or no username and password']);
    expect(issues({ password: undefined })).toEqual(['password: give both username and password, or neither']);
    expect(issues({ host: 'smtp://mail.example.com' })).toEqual(['host: expected a host name or an IP address']);
  });
});

describe('notification steps when an automation is saved', () => {
  const errors = (actions: unknown[]) => {
    const checked = checkAutomation({ id: 'notify', name: 'notify', triggers: [{ id: 't', event: 'incident.created' }], actions });
    return checked.ok ? [] : checked.errors.map((error) => `${error.path}: ${error.message}`);
  };

  it('accepts the shortest steps (messages by default) and refuses literals where secrets belong, bad URLs and bad retry bounds', () => {
    expect(errors([{ action: 'notify.slack', config: { webhook_url: '${{ secrets.SLACK_URL }}' } }])).toEqual([]);
    expect(errors([{ action: 'notify.webhook', config: { url: 'https://hooks.example.com/vigil', signing_secret: '${{ secrets.HOOK_KEY }}' } }])).toEqual([]);
    expect(errors([{ action: 'notify.email', config: { host: 'mail.example.com', from: 'alerts@example.com', to: 'ops@example.com', username: 'vigil', password: '${{ secrets.SMTP_PASSWORD }}' } }])).toEqual([]);
    expect(errors([{ action: 'notify.slack', config: { webhook_url: 'https://hooks.slack.com/services/T/B/x' } }])).toEqual([
      'actions[0].config.webhook_url: webhook_url must be exactly one secret reference (${{ secrets.NAME }}), never a literal or a template: the definition is stored and shown in full',
    ]);
    expect(errors([{ action: 'notify.webhook', config: { url: 'ftp://example.com', signing_secret: '${{ secrets.HOOK_KEY }}' } }])).toEqual(['actions[0].config.url: expected an http:// or https:// URL']);
    expect(errors([{ action: 'notify.slack', config: { webhook_url: '${{ secrets.SLACK_URL }}', retry: { max_attempts: 50, initial_delay: '10ms' } } }])).toEqual([
      'actions[0].config.retry.max_attempts: Too big: expected number to be <=10',
      'actions[0].config.retry.initial_delay: initial_delay is at least 100 ms',
    ]);
    expect(errors([{ action: 'notify.email', config: { host: 'mail.example.com', from: 'alerts@example.com', to: 'ops@example.com', subject: 'a\nb' } }])).toEqual(['actions[0].config.subject: subject cannot contain CR, LF or NUL']);
  });
});

describe('default messages', () => {
  const payloads: Record<string, Record<string, unknown>> = {
    incident: { incidentId: 'inc-1', systemIds: ['api', 'db'], severity: 'major', status: 'identified', statusChange: { from: 'investigating', to: 'identified' }, title: 'API down' },
    healthcheck: { systemId: 'api', previousStatus: 'healthy', newStatus: 'degraded', healthyChecks: 1, totalChecks: 2 },
    satellite: { satelliteId: 'edge-1', name: 'Edge 1', region: 'eu', timestamp: 1_700_000_000_000, reason: 'heartbeat_lost' },
    maintenance: { maintenanceId: 'm1', title: 'DB upgrade', systemIds: ['db'], startsAt: 1_700_000_000_000, endsAt: 1_700_003_600_000 },
    catalog: { systemId: 'api', systemName: 'Public API', changedFields: ['name'] },
  };
  const scopeFor = (event: string | undefined, payload: Record<string, unknown>, artifacts: Record<string, unknown> = {}) => ({
    trigger: event ? { id: 't', event, payload, contextKey: 'k', contextValue: 'v', source: { kind: 'x', id: 'y', version: 1 }, at: 1_700_000_000_000 } : {},
    run: { id: 'auto:r1', automation_id: 'auto' },
    variables: {},
    artifacts,
    now: 1_700_000_000_000,
  });

  it('render for every trigger with a message of its own, and a generic one for the rest and for none', () => {
    expect(triggersWithMessages.length).toBeGreaterThan(10);
    for (const trigger of listTriggers()) {
      const payload = payloads[trigger.id.split('.')[0]!] ?? {};
      const rendered = renderDeep(defaultMessage(trigger.id), scopeFor(trigger.id, payload)) as Record<string, string>;
      for (const text of Object.values(rendered)) expect(text, trigger.id).not.toContain('{{');
    }
    expect(renderDeep(defaultMessage('incident.updated'), scopeFor('incident.updated', payloads.incident!, { incident: { id: 'inc-1' } }))).toEqual({
      title: 'Incident updated: API down',
      text: 'Severity major · status identified · systems api, db (was investigating)\nIncident inc-1',
      footer: 'Vigil · automation auto · run auto:r1 · incident inc-1',
    });
    expect(renderDeep(defaultMessage('healthcheck.system.degraded'), scopeFor('healthcheck.system.degraded', payloads.healthcheck!))).toMatchObject({ title: 'api is degraded', text: '1 of 2 checks healthy (was healthy).' });
    expect(renderDeep(defaultMessage(undefined), scopeFor(undefined, {}))).toEqual({ title: 'Automation auto: run', text: 'Run auto:r1 of automation auto.', footer: 'Vigil · automation auto · run auto:r1' });
  });

  it('webhook data defaults to the message, the run, the trigger and the incident', () => {
    const data = renderDeep(notifyWebhook.defaultConfig!('incident.created'), scopeFor('incident.created', payloads.incident!, { incident: { id: 'inc-1', reused: false } })) as Record<string, unknown>;
    expect(data).toMatchObject({ type: 'incident.created', data: { title: 'Incident opened: API down', automation_id: 'auto', run_id: 'auto:r1', trigger: { event: 'incident.created' }, incident: { id: 'inc-1', reused: false } } });
    expect((renderDeep(notifyWebhook.defaultConfig!(undefined), scopeFor(undefined, {})) as { data: { incident: unknown } }).data.incident).toBeNull();
  });
});

describe('retry backoff', () => {
  it('doubles from the initial delay up to the maximum, each wait between half and all of it', () => {
    const policy = { maxAttempts: 5, initialDelayMs: 1_000, maxDelayMs: 5_000 };
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(policy, attempt, () => 1))).toEqual([1_000, 2_000, 4_000, 5_000]);
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(policy, attempt, () => 0))).toEqual([500, 1_000, 2_000, 2_500]);
  });
});
