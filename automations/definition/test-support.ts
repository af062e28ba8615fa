import { z } from 'zod';
import type { AutomationCatalog } from './catalog.ts';

/** A small catalog for tests: a few real trigger ids and two actions with config schemas. */
export function testCatalog(): AutomationCatalog {
  const incidentCreateV1 = z.strictObject({ title: z.string().min(1), system_id: z.string() });
  const incidentCreateV2 = z.strictObject({
    title: z.string().min(1).max(200),
    severity: z.enum(['minor', 'major', 'critical']),
    system_id: z.string().min(1),
    dedupe_key: z.string().optional(),
    priority: z.number().int().min(1).max(5).default(3),
  });
  const webhookSend = z
    .strictObject({
      url: z.url(),
      method: z.enum(['GET', 'POST', 'PUT']).default('POST'),
      headers: z.record(z.string(), z.string()).default({}),
      body: z.unknown().optional(),
      timeout_ms: z.number().int().positive().optional(),
    })
    .refine((config) => config.method !== 'GET' || config.body === undefined, { message: 'GET requests have no body', path: ['body'] });
  return {
    triggers: new Set(['healthcheck.system.degraded', 'healthcheck.system.healthy', 'incident.created', 'incident.resolved']),
    actions: new Map([
      ['incident.create', { versions: new Map<number, z.ZodType>([[1, incidentCreateV1], [2, incidentCreateV2]]) }],
      ['webhook.send', { versions: new Map<number, z.ZodType>([[1, webhookSend]]) }],
    ]),
  };
}
