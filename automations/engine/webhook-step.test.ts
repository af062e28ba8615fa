import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpRequest } from '../actions/http-request.action.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../actions/test-support.ts';
import { webhookId } from '../actions/webhook-signature.ts';
import { RunHarness } from './test-support.ts';

// A secret a URL parser percent-encodes only in part (`"` and space, not `@`), as fetch sends it.
const QUERY_SECRET = 'p@ss w0rd"x';
const SIGNING_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const secrets = { QUERY_SECRET, HOOK_SIGNING_KEY: SIGNING_SECRET };

let receiver: WebhookReceiver;
let failures = 0;
beforeAll(async () => {
  // Echoes what careless receivers echo: the request URL and headers.
  receiver = await startWebhookReceiver((request) => {
    const status = failures > 0 ? (failures--, 500) : 200;
    return { status, body: JSON.stringify({ url: request.url, headers: request.headers }) };
  });
});
afterAll(() => receiver.close());
beforeEach(() => {
  failures = 0;
});

const harnessFor = (config: Record<string, unknown>) => new RunHarness({ actions: [{ action: 'http.request', config }] }, { actions: [httpRequest], secrets });

describe('an http.request step', () => {
  it('keeps a secret out of the trace in the partly percent-encoded form the receiver echoes', async () => {
    const harness = harnessFor({ url: `${receiver.origin}/hook?token=\${{ secrets.QUERY_SECRET }}` });
    await harness.runUntilSettled();
    expect(harness.run.status).toBe('succeeded');
    const sent = receiver.received.at(-1)!.url;
    expect(sent).toBe('/hook?token=p@ss%20w0rd%22x');
    const stored = JSON.stringify(harness.run);
    expect(stored).toContain('/hook?token=***');
    expect(stored).not.toContain('w0rd');
  });

  it('is signed with the secret the reference library verifies, with one webhook-id across a retry, and the key stays out of the trace', async () => {
    failures = 1;
    const before = receiver.received.length;
    const harness = harnessFor({ url: `${receiver.origin}/hook`, body: { run: '{{ run.id }}' }, signing_secret: '${{ secrets.HOOK_SIGNING_KEY }}' });
    await expect(harness.step(1)).rejects.toThrow('HTTP 500');
    await harness.step(2);
    expect(harness.run.status).toBe('succeeded');
    const attempts = receiver.received.slice(before);
    expect(attempts).toHaveLength(2);
    for (const request of attempts) expect(new Webhook(SIGNING_SECRET).verify(request.body, request.headers as Record<string, string>)).toEqual({ run: 'auto-1:r1' });
    expect(attempts[1]!.headers['webhook-id']).toBe(attempts[0]!.headers['webhook-id']);
    expect(attempts[0]!.headers['webhook-id']).toBe(webhookId('auto-1:r1:actions[0]'));
    const stored = JSON.stringify(harness.run);
    expect(stored).toContain('webhook-signature'); // the echoed headers are in the trace…
    expect(stored).not.toContain(SIGNING_SECRET.slice('whsec_'.length, 'whsec_'.length + 16)); // …the key is not
  });

  it('fails without calling when signing_secret is a literal (a definition saved without the catalog checks)', async () => {
    const before = receiver.received.length;
    const harness = harnessFor({ url: `${receiver.origin}/hook`, signing_secret: SIGNING_SECRET });
    await harness.runUntilSettled();
    expect(harness.run.status).toBe('failed');
    expect(harness.run.steps.at(-1)!.error).toBe('signing_secret must be exactly one secret reference (${{ secrets.NAME }}), never a literal or a template: the definition is stored and shown in full');
    expect(receiver.received.length).toBe(before);
  });

  it('fails with a message that does not hold the value when the secret is not a whsec_ secret', async () => {
    const harness = new RunHarness(
      { actions: [{ action: 'http.request', config: { url: `${receiver.origin}/hook`, signing_secret: '${{ secrets.HOOK_SIGNING_KEY }}' } }] },
      { actions: [httpRequest], secrets: { HOOK_SIGNING_KEY: 'not-a-webhook-secret' } },
    );
    await harness.runUntilSettled();
    expect(harness.run.status).toBe('failed');
    expect(harness.run.steps.at(-1)!.error).toContain('signing_secret: must be a Standard Webhooks secret');
    expect(JSON.stringify(harness.run)).not.toContain('not-a-webhook-secret');
  });
});
