import { z } from 'zod';
import {
  incidentSeveritySchema,
  incidentStateSchema,
  incidentStatusChangeSchema,
  incidentStatusSchema,
} from '../incident.machine.ts';
import { defineTrigger, fire } from './define-trigger.ts';
import type { ChangeDeriver } from './trigger-definition.ts';

const incidentPayloadSchema = z.object({
  incidentId: z.string(),
  systemIds: z.array(z.string()),
  severity: incidentSeveritySchema,
  status: incidentStatusSchema,
  /** The status edge of this change; null when the status did not change (and on create). */
  statusChange: incidentStatusChangeSchema.nullable(),
  title: z.string(),
});
export type IncidentTriggerPayload = z.infer<typeof incidentPayloadSchema>;

const category = 'Incidents';

export const incidentCreated = defineTrigger({
  id: 'incident.created',
  displayName: 'Incident created',
  category,
  description: 'An incident was opened.',
  contextKey: 'incidentId',
  payloadSchema: incidentPayloadSchema,
  lasting: { kind: 'incident', description: 'while the incident is not resolved', holds: (_payload, state) => state !== null && state.status !== 'resolved' },
});

export const incidentUpdated = defineTrigger({
  id: 'incident.updated',
  displayName: 'Incident updated',
  category,
  description:
    'An existing incident changed (fields, a posted update, a status change or a reopen), except a change into resolved, which fires only incident.resolved.',
  contextKey: 'incidentId',
  payloadSchema: incidentPayloadSchema,
});

export const incidentResolved = defineTrigger({
  id: 'incident.resolved',
  displayName: 'Incident resolved',
  category,
  description: 'An incident became resolved (fired instead of incident.updated for that change).',
  contextKey: 'incidentId',
  payloadSchema: incidentPayloadSchema,
  lasting: { kind: 'incident', description: 'while the incident stays resolved', holds: (_payload, state) => state !== null && state.status === 'resolved' },
});

export const incidentTriggers = [incidentCreated, incidentUpdated, incidentResolved];

/**
 * Triggers of `incident` changes: exactly one per change, none on delete (a deleted incident is
 * gone, not resolved; automations that care watch `incident.resolved`).
 */
export const deriveIncidentTriggers: ChangeDeriver = (change) => {
  if (change.kind !== 'incident' || change.next === null) return [];
  const next = incidentStateSchema.parse(change.next);
  const prev = change.prev === null ? null : incidentStateSchema.parse(change.prev);
  const statusChange = prev !== null && prev.status !== next.status ? { from: prev.status, to: next.status } : null;
  const definition =
    prev === null ? incidentCreated : statusChange?.to === 'resolved' ? incidentResolved : incidentUpdated;
  return [
    fire(definition, {
      incidentId: change.id,
      systemIds: next.systemIds,
      severity: next.severity,
      status: next.status,
      statusChange,
      title: next.title,
    }),
  ];
};
