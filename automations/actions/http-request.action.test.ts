import { randomBytes } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SecretMasker } from '../expressions/index.ts';
import { httpRequest, MAX_OUTPUT_BODY_CHARS } from './http-request.action.ts';
import { directActionContext, headerLines, startWebhookReceiver, type WebhookReceiver } from './test-support.ts';
import { webhookId } from './webhook-signature.ts';

const schema = httpRequest.versions[1]!;
const SIGNING_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
let receiver: WebhookReceiver;
let answer: { status?: number; body?: string } = {};

beforeAll(async () => {
  receiver = await startWebhookReceiver(() => answer);
});
afterAll(() => receiver.close());
beforeEach(() => {
  answer = {};
});

async function call(config: Record<string, unknown>, context = directActionContext()) {
  const result = await httpRequest.execute(schema.parse({ url: `${receiver.origin}/hook`, ...config }), 1, context);
  return { result, request: receiver.received.at(-1)! };
}

describe('http.request headers', () => {
  it('sends Vigil\'s idempotency-key and content-type when the config sets neither', async () => {
    const { request } = await call({ body: { a: 1 } });
    expect(headerLines(request, 'idempotency-key')).toEqual(['auto-1:r1:actions[0]']);
    expect(headerLines(request, 'content-type')).toEqual(['application/json']);
    expect(request.body).toBe('{"a":1}');
  });

  it('lets a configured header replace Vigil\'s of the same name in any case: one line, the configured value', async () => {
    const { request } = await call({ body: { a: 1 }, headers: { 'Idempotency-Key': 'order-42', 'CONTENT-TYPE': 'application/cloudevents+json', 'X-Extra': 'yes' } });
    expect(headerLines(request, 'idempotency-key')).toEqual(['order-42']);
    expect(headerLines(request, 'content-type')).toEqual(['application/cloudevents+json']);
    expect(headerLines(request, 'x-extra')).toEqual(['yes']);
  });

  it('refuses the signature headers in any case, a name given twice, bad names and line breaks', () => {
    const issues = (headers: Record<string, string>) => {
      const result = schema.safeParse({ url: 'https://hooks.example/x', headers });
      return result.success ? [] : result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: 'issues' in issue ? issue.issues.map((inner) => inner.message).join('; ') : issue.message }));
    };
    expect(issues({ 'Webhook-Signature': 'v1,forged', 'webhook-id': 'x', 'WEBHOOK-TIMESTAMP': '1' })).toEqual([
      { path: 'headers.Webhook-Signature', message: 'header "Webhook-Signature" is set by Vigil when the request is signed (signing_secret) and cannot be configured' },
      { path: 'headers.webhook-id', message: 'header "webhook-id" is set by Vigil when the request is signed (signing_secret) and cannot be configured' },
      { path: 'headers.WEBHOOK-TIMESTAMP', message: 'header "WEBHOOK-TIMESTAMP" is set by Vigil when the request is signed (signing_secret) and cannot be configured' },
    ]);
    expect(issues({ 'X-Key': 'a', 'x-key': 'b' })).toEqual([{ path: 'headers.x-key', message: 'header "x-key" is also given as "X-Key" (names are case-insensitive): give it once' }]);
    expect(issues({ 'bad name': 'a' })).toEqual([{ path: 'headers.bad name', message: '"bad name" is not a valid header name' }]);
    expect(issues({ 'x-a': 'one\r\nx-b: two' })).toEqual([{ path: 'headers.x-a', message: 'a header value cannot contain CR, LF or NUL' }]);
    expect(issues({ 'Webhook-Topic': 'incident.created' })).toEqual([]);
  });

  it('refuses credentials in the URL, which fetch would refuse and echo in its error', () => {
    const result = schema.safeParse({ url: 'https://svc:hunter22@hooks.example/x' });
    expect(result.error?.issues.map((issue) => issue.message)).toEqual(['a URL cannot carry credentials (user:password@): send them in a header, e.g. authorization']);
  });

  it('refuses unknown config keys (a misspelt signing_secret must not send unsigned calls)', () => {
    const result = schema.safeParse({ url: 'https://hooks.example/x', signing_secrets: SIGNING_SECRET });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.code).toBe('unrecognized_keys');
  });
});

describe('http.request signing (Standard Webhooks)', () => {
  it('is verified by the reference library on the receiving server', async () => {
    const { request, result } = await call({ body: { incident: 'inc-1', text: 'é "quoted"' }, signing_secret: SIGNING_SECRET });
    expect(result.output).toEqual({ status: 200, body: '' });
    const headers = { 'webhook-id': request.headers['webhook-id'] as string, 'webhook-timestamp': request.headers['webhook-timestamp'] as string, 'webhook-signature': request.headers['webhook-signature'] as string };
    expect(new Webhook(SIGNING_SECRET).verify(request.body, headers)).toEqual({ incident: 'inc-1', text: 'é "quoted"' });
    expect(headers['webhook-id']).toBe(webhookId('auto-1:r1:actions[0]'));
    expect(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(300);
    // One line each, and the idempotency key is still there.
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'idempotency-key']) expect(headerLines(request, name), name).toHaveLength(1);
    // Another key, or a changed body, does not verify.
    expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(request.body, headers)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(SIGNING_SECRET).verify(request.body.replace('inc-1', 'inc-2'), headers)).toThrow(WebhookVerificationError);
  });

  it('signs a string body as sent and a request without a body as the empty string', async () => {
    const text = await call({ body: 'plain text ✓', signing_secret: SIGNING_SECRET });
    expect(() => new Webhook(SIGNING_SECRET).verify(text.request.body, text.request.headers as Record<string, string>, { jsonParse: false })).not.toThrow();
    const get = await call({ method: 'GET', signing_secret: SIGNING_SECRET });
    expect(get.request.body).toBe('');
    expect(() => new Webhook(SIGNING_SECRET).verify('', get.request.headers as Record<string, string>)).not.toThrow();
  });

  it('keeps webhook-id across attempts of one step (retries) and changes it between steps', async () => {
    const first = (await call({ body: { n: 1 }, signing_secret: SIGNING_SECRET })).request;
    const retry = (await call({ body: { n: 1 }, signing_secret: SIGNING_SECRET })).request;
    const other = (await call({ body: { n: 1 }, signing_secret: SIGNING_SECRET }, directActionContext({ idempotencyKey: 'auto-1:r1:actions[1]' }))).request;
    expect(retry.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(other.headers['webhook-id']).not.toBe(first.headers['webhook-id']);
    for (const request of [first, retry, other]) expect(() => new Webhook(SIGNING_SECRET).verify(request.body, request.headers as Record<string, string>)).not.toThrow();
  });

  it('sends no signature headers without signing_secret', async () => {
    const { request } = await call({ body: { a: 1 } });
    expect(Object.keys(request.headers).filter((name) => name.startsWith('webhook-'))).toEqual([]);
  });
});

describe('http.request output', () => {
  it('masks a secret echoed at the cut before cutting the body, so no part of it is kept', async () => {
    const secret = 'sk-live-93b1f0c6e2a4';
    answer = { body: `${'x'.repeat(MAX_OUTPUT_BODY_CHARS - 6)}${encodeURIComponent(secret)} and more` };
    const masker = new SecretMasker([secret]);
    const { result } = await call({}, directActionContext({ maskSecrets: (text) => masker.maskText(text) }));
    const body = (result.output as { body: string }).body;
    expect(body).toBe(`${'x'.repeat(MAX_OUTPUT_BODY_CHARS - 6)}*** an`);
  });

  it('fails permanently on 4xx and transiently on 5xx, naming only the origin', async () => {
    answer = { status: 404 };
    await expect(call({ url: `${receiver.origin}/hook?token=abc` })).rejects.toMatchObject({ permanent: true, message: `HTTP 404 from POST ${receiver.origin}` });
    answer = { status: 503 };
    const transient = await call({}).catch((error: unknown) => error as Error & { permanent?: boolean });
    expect(transient).toBeInstanceOf(Error);
    expect((transient as { permanent?: boolean }).permanent).toBeUndefined();
  });
});
