import * as z from 'zod';
import type { DeliveryAttemptRecord, DeliveryRecord } from '../../persistence/index.ts';

/** What the API shows of the delivery log (docs/PROTOCOL.md, "Notifications"). */

export const deliveryStatuses = ['pending', 'delivered', 'dead'] as const;
export const deliveryAttemptStatuses = ['sending', 'delivered', 'failed', 'dead'] as const;

/** A delivery id: `dlv_` and 32 hex digits. */
export const deliveryIdSchema = z.string().regex(/^dlv_[0-9a-f]{32}$/, 'a delivery id is "dlv_" and 32 hex digits');

export const deliveryAttemptSchema = z
  .object({
    attempt: z.number().int().positive().meta({ description: '1 for the first; numbers go on across retries by operators' }),
    status: z.enum(deliveryAttemptStatuses).meta({ description: 'sending (in flight, or its node stopped: written off when its lease ends), delivered, failed (retried), dead' }),
    responseCode: z.number().int().nullable().meta({ description: 'HTTP status or SMTP reply code; null without an answer (network error, timeout)' }),
    error: z.string().nullable(),
    durationMs: z.number().int().nullable(),
    at: z.number().meta({ description: 'When the attempt started (epoch ms)' }),
    madeBy: z.string().meta({ description: '`automation`, or the operator who retried it (`token:<name>`)' }),
  })
  .meta({ id: 'DeliveryAttempt' });

export const deliveryItemSchema = z
  .object({
    id: z.string(),
    runId: z.string(),
    automationId: z.string(),
    stepPath: z.string(),
    action: z.string().meta({ description: 'notify.slack, notify.email or notify.webhook' }),
    target: z.string().meta({ description: 'Where it goes, secrets masked' }),
    status: z.enum(deliveryStatuses).meta({ description: 'pending (attempts left), delivered, dead (failed for good; an operator may retry it)' }),
    attemptCount: z.number().int().nonnegative(),
    maxAttempts: z.number().int().positive(),
    nextAttemptAt: z.number().nullable().meta({ description: 'When the run makes the next attempt (pending only)' }),
    lastError: z.string().nullable(),
    lastResponseCode: z.number().int().nullable(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .meta({ id: 'Delivery' });

export const deliveryWithAttemptsSchema = deliveryItemSchema.extend({ attempts: z.array(deliveryAttemptSchema) }).meta({ id: 'DeliveryWithAttempts' });

export const deliveryDetailSchema = deliveryWithAttemptsSchema
  .extend({
    request: z
      .object({ version: z.number().int(), config: z.record(z.string(), z.unknown()), idempotencyKey: z.string() })
      .meta({ description: 'The step config as rendered, secret references (${{ secrets.NAME }}) unresolved: what a retry sends again' }),
  })
  .meta({ id: 'DeliveryDetail' });

export function deliveryItem(row: DeliveryRecord): z.infer<typeof deliveryItemSchema> {
  return {
    id: row.id,
    runId: row.runId,
    automationId: row.automationId,
    stepPath: row.stepPath,
    action: row.action,
    target: row.target,
    status: row.status,
    attemptCount: row.attempts,
    maxAttempts: row.maxAttempts,
    nextAttemptAt: row.nextAttemptAt,
    lastError: row.lastError,
    lastResponseCode: row.lastResponseCode,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function deliveryAttempt(row: DeliveryAttemptRecord): z.infer<typeof deliveryAttemptSchema> {
  const { deliveryId: _delivery, ...attempt } = row;
  return attempt;
}

export function deliveryWithAttempts(row: DeliveryRecord, attempts: readonly DeliveryAttemptRecord[]): z.infer<typeof deliveryWithAttemptsSchema> {
  return { ...deliveryItem(row), attempts: attempts.map(deliveryAttempt) };
}

export function deliveryDetail(row: DeliveryRecord, attempts: readonly DeliveryAttemptRecord[]): z.infer<typeof deliveryDetailSchema> {
  return { ...deliveryWithAttempts(row, attempts), request: row.request as z.infer<typeof deliveryDetailSchema>['request'] };
}
