import { BigIntType, EntitySchema } from '@mikro-orm/core';

/**
 * One notification an automation step delivers (a Slack message, an e-mail, a signed webhook),
 * with where it stands: `pending` (attempts left; the next one at `nextAttemptAt`), `delivered`
 * or `dead` (the last attempt failed, or one failed for good). `request` is the step's config as
 * rendered, secret references still unresolved, so an operator can retry it later without any
 * secret value ever being stored. `leaseUntil` is set while an attempt is in flight.
 */
export interface NotificationDeliveryRow {
  id: string;
  runId: string;
  automationId: string;
  stepPath: string;
  action: string;
  /** Where it goes, for people (secrets masked): `POST https://hooks.example.com`, `smtp mail.example.com:587 → ops@example.com`. */
  target: string;
  status: string;
  attempts: number;
  maxAttempts: number;
  nextAttemptAt: number | null;
  leaseUntil: number | null;
  lastError: string | null;
  lastResponseCode: number | null;
  request: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

/** One attempt of a delivery: `sending` while in flight, then `delivered`, `failed` (retried) or `dead`. */
export interface NotificationDeliveryAttemptRow {
  deliveryId: string;
  attempt: number;
  status: string;
  responseCode: number | null;
  error: string | null;
  durationMs: number | null;
  at: number;
  /** `automation` (the run's step), or the operator who retried it (`token:<name>`). */
  madeBy: string;
}

export const NotificationDeliverySchema = new EntitySchema<NotificationDeliveryRow>({
  name: 'NotificationDelivery',
  tableName: 'notification_deliveries',
  indexes: [
    { name: 'notification_deliveries_created_idx', properties: ['createdAt', 'id'] },
    { name: 'notification_deliveries_status_created_idx', properties: ['status', 'createdAt', 'id'] },
  ],
  properties: {
    id: { type: 'string', length: 64, primary: true },
    runId: { type: 'string', length: 128, index: 'notification_deliveries_run_id_idx' },
    automationId: { type: 'string', length: 128 },
    stepPath: { type: 'text' },
    action: { type: 'string', length: 64 },
    target: { type: 'string', length: 500 },
    status: { type: 'string', length: 16 },
    attempts: { type: 'integer' },
    maxAttempts: { type: 'integer' },
    nextAttemptAt: { type: new BigIntType('number'), nullable: true },
    leaseUntil: { type: new BigIntType('number'), nullable: true },
    lastError: { type: 'text', nullable: true },
    lastResponseCode: { type: 'integer', nullable: true },
    request: { type: 'json' },
    createdAt: { type: new BigIntType('number') },
    updatedAt: { type: new BigIntType('number') },
  },
});

export const NotificationDeliveryAttemptSchema = new EntitySchema<NotificationDeliveryAttemptRow>({
  name: 'NotificationDeliveryAttempt',
  tableName: 'notification_delivery_attempts',
  properties: {
    deliveryId: { type: 'string', length: 64, primary: true },
    attempt: { type: 'integer', primary: true },
    status: { type: 'string', length: 16 },
    responseCode: { type: 'integer', nullable: true },
    error: { type: 'text', nullable: true },
    durationMs: { type: 'integer', nullable: true },
    at: { type: new BigIntType('number') },
    madeBy: { type: 'string', length: 200 },
  },
});
