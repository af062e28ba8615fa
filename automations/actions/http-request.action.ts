import { z } from 'zod';
import { toStorableText } from '../../machines/index.ts';
import { defineAction, PermanentActionError } from './action-provider.ts';
import { configuredHeadersSchema, requestHeaders } from './http-headers.ts';
import { WEBHOOK_SIGNATURE_HEADERS, webhookSecretSchema, webhookSignatureHeaders } from './webhook-signature.ts';

/** Characters of the response body kept in the step's output. */
export const MAX_OUTPUT_BODY_CHARS = 4_096;
/** Bytes of the response body read at most (to mask secrets before the body is cut). */
export const MAX_READ_BODY_BYTES = 65_536;

const httpConfig = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  /** fetch refuses user:password@ in a URL (and would echo it in its error): credentials go in a header. */
  url: z
    .url({ protocol: /^https?$/ })
    .refine((url) => URL.canParse(url) && new URL(url).username === '' && new URL(url).password === '', {
      message: 'a URL cannot carry credentials (user:password@): send them in a header, e.g. authorization',
    }),
  /** Replace Vigil's own `idempotency-key` and `content-type` (any case); the signature headers cannot be set. */
  headers: configuredHeadersSchema(WEBHOOK_SIGNATURE_HEADERS, 'is set by Vigil when the request is signed (signing_secret) and cannot be configured').default({}),
  /** A string is sent as is; anything else as JSON. */
  body: z.unknown().optional(),
  timeout_ms: z.number().int().min(100).max(120_000).default(10_000),
  /** Status codes outside 2xx fail the step (retried for 5xx and 429) unless listed here. */
  accept_status: z.array(z.number().int().min(100).max(599)).default([]),
  /** `${{ secrets.NAME }}` holding a `whsec_…` secret: the request is signed per Standard Webhooks. */
  signing_secret: webhookSecretSchema.optional(),
});

export const httpRequest = defineAction({
  id: 'http.request',
  displayName: 'Call a webhook',
  description:
    'Sends an HTTP request with an Idempotency-Key header (run id and step path): a step retried after a crash sends the same key, so the receiver can apply it once. ' +
    'With signing_secret (a ${{ secrets.NAME }} holding a whsec_ secret) the request is signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature; webhook-id is the same on every attempt). ' +
    'Configured headers replace Vigil\'s own of the same name (any case). Secrets (${{ secrets.NAME }}) are allowed in url, headers and body.',
  config: httpConfig,
  secretFields: ['signing_secret'],
  async execute(config, context) {
    const body = config.body === undefined ? undefined : typeof config.body === 'string' ? config.body : JSON.stringify(config.body);
    const headers = requestHeaders(
      { 'idempotency-key': context.idempotencyKey, ...(body !== undefined && typeof config.body !== 'string' ? { 'content-type': 'application/json' } : {}) },
      config.headers,
    );
    if (config.signing_secret !== undefined) {
      const signature = webhookSignatureHeaders(config.signing_secret, context.idempotencyKey, Math.floor(Date.now() / 1000), body ?? '');
      for (const [name, value] of Object.entries(signature)) headers.set(name, value);
    }
    const signal = AbortSignal.any([context.signal, AbortSignal.timeout(config.timeout_ms)]);
    const response = await fetch(config.url, { method: config.method, headers, ...(body !== undefined ? { body } : {}), signal });
    // Stored in the run's trace: a NUL or a cut surrogate pair would make the run's commit fail.
    const text = toStorableText(context.maskSecrets(await readBodyPrefix(response, MAX_READ_BODY_BYTES)), MAX_OUTPUT_BODY_CHARS);
    const accepted = response.ok || config.accept_status.includes(response.status);
    if (!accepted) {
      const message = `HTTP ${response.status} from ${config.method} ${new URL(config.url).origin}`;
      // 4xx other than 429 will not get better by retrying.
      if (response.status < 500 && response.status !== 429) throw new PermanentActionError(message);
      throw new Error(message);
    }
    return { output: { status: response.status, body: text } };
  },
});

/** The first `maxBytes` of the body as UTF-8 text; the rest is not read (the connection is released). */
export async function readBodyPrefix(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let read = 0;
  try {
    while (read < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      const chunk = value.subarray(0, maxBytes - read);
      read += chunk.byteLength;
      text += decoder.decode(chunk, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return text + decoder.decode();
}
