import { z } from 'zod';
import { metadataSchema, toStorableText } from '../../machines/index.ts';
import { defineAction, PermanentActionError } from './action-provider.ts';

const logConfig = z.object({ message: z.string().min(1).max(10_000), level: z.enum(['debug', 'info', 'warn', 'error']).default('info') });
export const automationLog = defineAction({
  id: 'automation.log',
  displayName: 'Write to the log',
  description: 'Writes a message to the node log (secrets masked) and the run trace.',
  config: logConfig,
  async execute(config, context) {
    context.log[config.level]({ runId: context.runId, automationId: context.automationId }, config.message);
    return { output: { message: config.message } };
  },
});

const metadataConfig = z.object({
  systemId: z.string().min(1).max(128),
  /** Merged into the system's metadata; a key set to null is removed. */
  metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});
export const catalogUpdateMetadata = defineAction({
  id: 'catalog.update_metadata',
  displayName: 'Update a system\'s metadata',
  description: 'Merges keys into a system\'s metadata (null removes a key). Applying the same values again changes nothing.',
  config: metadataConfig,
  async execute(config, context) {
    const system = await context.read('system', config.systemId);
    if (!system) throw new PermanentActionError(`no system ${config.systemId}`);
    const merged: Record<string, unknown> = { ...(system.metadata as Record<string, unknown>) };
    for (const [key, value] of Object.entries(config.metadata)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    const metadata = metadataSchema.parse(merged);
    await context.dispatch('system', config.systemId, { type: 'update', metadata });
    return { output: { systemId: config.systemId, metadata } };
  },
});

const httpConfig = z.object({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  url: z.url({ protocol: /^https?$/ }),
  headers: z.record(z.string(), z.string()).default({}),
  /** A string is sent as is; anything else as JSON. */
  body: z.unknown().optional(),
  timeout_ms: z.number().int().min(100).max(120_000).default(10_000),
  /** Status codes outside 2xx fail the step (retried for 5xx and 429) unless listed here. */
  accept_status: z.array(z.number().int().min(100).max(599)).default([]),
});
export const httpRequest = defineAction({
  id: 'http.request',
  displayName: 'Call a webhook',
  description:
    'Sends an HTTP request. Carries an Idempotency-Key header (run id and step path): a step retried after a crash sends the same key, so the receiver can apply it once. Secrets (${{ secrets.NAME }}) are allowed in url, headers and body.',
  config: httpConfig,
  async execute(config, context) {
    const body = config.body === undefined ? undefined : typeof config.body === 'string' ? config.body : JSON.stringify(config.body);
    const headers: Record<string, string> = {
      'idempotency-key': context.idempotencyKey,
      ...(body !== undefined && typeof config.body !== 'string' ? { 'content-type': 'application/json' } : {}),
      ...config.headers,
    };
    const signal = AbortSignal.any([context.signal, AbortSignal.timeout(config.timeout_ms)]);
    const response = await fetch(config.url, { method: config.method, headers, ...(body !== undefined ? { body } : {}), signal });
    // Stored in the run's trace: a NUL or a cut surrogate pair would make the run's commit fail.
    const text = toStorableText(await response.text(), 4_096);
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
