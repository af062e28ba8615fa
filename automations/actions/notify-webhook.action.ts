import { z } from 'zod';
import { defineAction, PermanentActionError } from './action-provider.ts';
import { deliveryRetrySchema, retryPolicyOf } from './delivery-retry.ts';
import { configuredHeadersSchema, requestHeaders } from './http-headers.ts';
import { deliveryUrlSchema, postForDelivery } from './http-delivery.ts';
import { defaultMessage } from './notification-messages.ts';
import { WEBHOOK_SIGNATURE_HEADERS, webhookSecretSchema, webhookSignatureHeaders } from './webhook-signature.ts';

/** Largest body sent, bytes of JSON. */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

/**
 * What `notify.webhook` sends: the envelope Standard Webhooks recommends. `type` names the event
 * (default: the run's trigger event), `timestamp` is when the delivery was created (the same on
 * every attempt and retry), `data` is the step's `data` (default: title, text, run and trigger).
 */
export const notificationEnvelopeSchema = z.strictObject({
  type: z.string(),
  timestamp: z.iso.datetime(),
  data: z.unknown(),
});
export type NotificationEnvelope = z.infer<typeof notificationEnvelopeSchema>;

/** The default `data`, as templates (see docs/PROTOCOL.md, "Notifications"). */
export const defaultWebhookData = (trigger: string | undefined) => {
  const { title, text } = defaultMessage(trigger);
  return {
    title,
    text,
    automation_id: '{{ run.automation_id }}',
    run_id: '{{ run.id }}',
    trigger: '{{ trigger }}',
    incident: '{{ artifacts.?incident.orValue(null) }}',
  };
};

const webhookConfig = z.strictObject({
  url: deliveryUrlSchema,
  /** `${{ secrets.NAME }}` holding a `whsec_…` secret: every request is signed (Standard Webhooks). */
  signing_secret: webhookSecretSchema,
  /** The envelope's `type` (default: the run's trigger event, `automation.run` without one). */
  type: z.string().min(1).max(200).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and "_", ".", ":", "-"').optional(),
  /** The envelope's `data`: any JSON, templates in its strings (default per trigger). */
  data: z.unknown().optional(),
  /** More headers; the signature headers and content-type are Vigil's. */
  headers: configuredHeadersSchema([...WEBHOOK_SIGNATURE_HEADERS, 'content-type'], 'is set by Vigil and cannot be configured').default({}),
  timeout_ms: z.number().int().min(100).max(60_000).default(10_000),
  retry: deliveryRetrySchema,
});

export const notifyWebhook = defineAction({
  id: 'notify.webhook',
  displayName: 'Send a signed webhook',
  description:
    'POSTs a JSON envelope { type, timestamp, data } signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature; signing_secret is a ${{ secrets.NAME }} holding a whsec_ secret). ' +
    'webhook-id and the body are the same on every attempt of the delivery. Every attempt is in the delivery log; failures are retried with backoff (retry) and the delivery is dead after the last attempt.',
  config: webhookConfig,
  secretFields: ['signing_secret'],
  defaultConfig: (trigger) => ({ type: trigger ?? 'automation.run', data: defaultWebhookData(trigger) }),
  delivery: {
    policy: (config) => retryPolicyOf(config.retry),
    target: (config) => {
      const url = new URL(config.url);
      return `POST ${url.origin}${url.pathname}`;
    },
    timeoutMs: (config) => config.timeout_ms,
  },
  async execute(config, context) {
    const createdAt = context.delivery?.createdAt ?? Date.now();
    const envelope: NotificationEnvelope = { type: config.type ?? 'automation.run', timestamp: new Date(createdAt).toISOString(), data: config.data ?? null };
    const body = JSON.stringify(envelope);
    if (Buffer.byteLength(body) > MAX_WEBHOOK_BODY_BYTES) throw new PermanentActionError(`the webhook body is ${Buffer.byteLength(body)} bytes, more than the ${MAX_WEBHOOK_BODY_BYTES} allowed`);
    const headers = requestHeaders({ 'content-type': 'application/json' }, config.headers);
    const signature = webhookSignatureHeaders(config.signing_secret, context.idempotencyKey, Math.floor(Date.now() / 1000), body);
    for (const [name, value] of Object.entries(signature)) headers.set(name, value);
    const responseCode = await postForDelivery(config.url, body, headers, config.timeout_ms, context);
    return { output: { responseCode } };
  },
});
