import { Counter, Histogram, type Registry } from 'prom-client';
// The file, not automations/engine/index.ts: metrics only need the observer's shape.
import type { DeliveryAttemptObserver } from '../automations/engine/delivery-attempts.ts';

/** Seconds: a webhook answers in tens of ms; SMTP with STARTTLS in hundreds; a timeout in tens of seconds. */
const DURATION_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Notification deliveries (notify.slack, notify.email, notify.webhook; the delivery log), one
 * observation per attempt made by this node: `vigil_notification_attempts_total{action,outcome}`
 * (`delivered`, `failed`: retried later, `dead`: given up until an operator retries it) and
 * `vigil_notification_attempt_duration_seconds`. Actions are the catalog's, a bounded set.
 */
export function notificationMetrics(registry: Registry): DeliveryAttemptObserver {
  const attempts = new Counter({ name: 'vigil_notification_attempts_total', help: 'Notification delivery attempts made by this node, by action and outcome (delivered, failed and retried later, dead).', labelNames: ['action', 'outcome'], registers: [registry] });
  const duration = new Histogram({ name: 'vigil_notification_attempt_duration_seconds', help: 'Duration of each notification delivery attempt, seconds.', buckets: DURATION_BUCKETS, registers: [registry] });
  return {
    attempted(action, outcome, seconds) {
      attempts.inc({ action, outcome });
      duration.observe(seconds);
    },
  };
}
