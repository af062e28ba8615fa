import { createHmac } from 'node:crypto';
import { z } from 'zod';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com, symmetric scheme `v1`): the
 * sender adds `webhook-id`, `webhook-timestamp` (unix seconds) and `webhook-signature`
 * (`v1,<base64 of HMAC-SHA256 over "<id>.<timestamp>.<body>">`), keyed with the bytes of a secret
 * serialized as `whsec_<base64>`. Receivers verify with any Standard Webhooks library
 * (`new Webhook(secret).verify(rawBody, headers)`) or by recomputing the HMAC.
 */

/** The headers a signed request carries; they are Vigil's alone (a config cannot set them). */
export const WEBHOOK_SIGNATURE_HEADERS: readonly string[] = ['webhook-id', 'webhook-timestamp', 'webhook-signature'];

const WEBHOOK_SECRET_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** The spec's bounds for a symmetric key, in bytes. */
export const MIN_WEBHOOK_KEY_BYTES = 24;
export const MAX_WEBHOOK_KEY_BYTES = 64;

const SECRET_FORMAT = `must be a Standard Webhooks secret: "whsec_" followed by the base64 of ${MIN_WEBHOOK_KEY_BYTES} to ${MAX_WEBHOOK_KEY_BYTES} random bytes`;

/**
 * A `whsec_<base64>` secret whose key is 24–64 bytes (standard base64, padding optional, as the
 * reference libraries decode it). Issue messages never contain the value.
 */
export const webhookSecretSchema = z
  .string()
  .refine((secret) => webhookKey(secret) !== null, { message: SECRET_FORMAT, abort: true });

/** The key bytes of a `whsec_` secret, or null when it is not one (wrong prefix, not standard base64, or a key outside 24–64 bytes). */
export function webhookKey(secret: string): Buffer | null {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) return null;
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  const data = encoded.replace(/=+$/, '');
  // Buffer's decoder skips what is not base64; the reference decoders refuse it, and so does this.
  if (!BASE64.test(encoded) || data.length % 4 === 1 || (data.length !== encoded.length && encoded.length % 4 !== 0)) return null;
  const key = Buffer.from(data, 'base64');
  return key.length >= MIN_WEBHOOK_KEY_BYTES && key.length <= MAX_WEBHOOK_KEY_BYTES ? key : null;
}

/**
 * The `webhook-id` of a request: `msg_` and the base64url of the step's idempotency key
 * (`<runId>:<step path>`). The same on every attempt of the step, on any node, so a receiver can
 * de-duplicate by it; free of `.` (the signed content is `.`-delimited); decodable back to the key.
 */
export function webhookId(idempotencyKey: string): string {
  return `msg_${Buffer.from(idempotencyKey, 'utf8').toString('base64url')}`;
}

/** `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`; the body is signed as its UTF-8 bytes, exactly as sent. */
export function webhookSignature(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.`, 'utf8').update(body, 'utf8').digest('base64');
  return `v1,${mac}`;
}

/**
 * The three signature headers for one attempt: `webhook-timestamp` is this attempt's time, so
 * the signature differs between attempts while `webhook-id` stays. Throws `TypeError` for a
 * secret that is not a valid `whsec_` secret (the config schema refuses those first).
 */
export function webhookSignatureHeaders(secret: string, idempotencyKey: string, timestampSeconds: number, body: string): Record<string, string> {
  const key = webhookKey(secret);
  if (!key) throw new TypeError(`signing secret ${SECRET_FORMAT}`);
  const id = webhookId(idempotencyKey);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': webhookSignature(key, id, timestampSeconds, body) };
}
