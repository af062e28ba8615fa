import { z } from 'zod';
import { healthStateSchema, healthStatusSchema } from '../health.machine.ts';
import { defineTrigger, fire } from './define-trigger.ts';
import type { ChangeDeriver } from './trigger-definition.ts';

/** Shared by all three health triggers. */
const healthPayloadSchema = z.object({
  systemId: z.string(),
  previousStatus: healthStatusSchema,
  newStatus: healthStatusSchema,
  healthyChecks: z.number().int().nonnegative(),
  totalChecks: z.number().int().nonnegative(),
});
export type HealthTriggerPayload = z.infer<typeof healthPayloadSchema>;

const category = 'Health checks';

export const healthcheckSystemDegraded = defineTrigger({
  id: 'healthcheck.system.degraded',
  displayName: 'System degraded',
  category,
  description:
    'A system left healthy: its status went from healthy to degraded or unhealthy. A system that never reported counts as healthy before. Not fired for degraded -> unhealthy (see health_changed).',
  contextKey: 'systemId',
  payloadSchema: healthPayloadSchema,
  lasting: { kind: 'health', description: 'while the system is not healthy', holds: (_payload, state) => state !== null && state.status !== 'healthy' },
});

export const healthcheckSystemHealthy = defineTrigger({
  id: 'healthcheck.system.healthy',
  displayName: 'System healthy again',
  category,
  description: 'A system became healthy after being degraded or unhealthy.',
  contextKey: 'systemId',
  payloadSchema: healthPayloadSchema,
  lasting: { kind: 'health', description: 'while the system is healthy', holds: (_payload, state) => state !== null && state.status === 'healthy' },
});

export const healthcheckSystemHealthChanged = defineTrigger({
  id: 'healthcheck.system.health_changed',
  displayName: 'System health changed',
  category,
  description: 'The status of a system changed in any direction (healthy, degraded, unhealthy).',
  contextKey: 'systemId',
  payloadSchema: healthPayloadSchema,
  lasting: { kind: 'health', description: 'while the system keeps the new status', holds: (payload, state) => state !== null && state.status === payload.newStatus },
});

export const healthcheckTriggers = [healthcheckSystemDegraded, healthcheckSystemHealthy, healthcheckSystemHealthChanged];

/**
 * What the deriver reads of a health state. Only these fields are validated: the change comes
 * from this node's own committed transition (its state already passed healthStateSchema), and
 * walking every check of a busy system on every change cost several percent of a node's CPU at
 * full ingest (bench:satellites profile).
 */
const healthStatusFieldsSchema = healthStateSchema.pick({ status: true, healthyChecks: true, totalChecks: true });

/**
 * Triggers of `health` changes. Only status edges fire (a counter change fires nothing); an edge
 * fires `health_changed` plus `degraded` (healthy → not healthy) or `healthy` (→ healthy).
 * `prev === null` (first change of a system) counts as healthy.
 */
export const deriveHealthcheckTriggers: ChangeDeriver = (change) => {
  if (change.kind !== 'health' || change.next === null) return [];
  const next = healthStatusFieldsSchema.parse(change.next);
  const previousStatus = change.prev === null ? 'healthy' : healthStatusFieldsSchema.parse(change.prev).status;
  if (previousStatus === next.status) return [];
  const payload = {
    systemId: change.id,
    previousStatus,
    newStatus: next.status,
    healthyChecks: next.healthyChecks,
    totalChecks: next.totalChecks,
  };
  const edge = next.status === 'healthy' ? healthcheckSystemHealthy : previousStatus === 'healthy' ? healthcheckSystemDegraded : null;
  return [...(edge ? [fire(edge, payload)] : []), fire(healthcheckSystemHealthChanged, payload)];
};
