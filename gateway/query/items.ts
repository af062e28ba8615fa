import * as z from 'zod';
import { deliveryWithAttemptsSchema } from './delivery-items.ts';
import {
  automationRunStateSchema,
  checkHealthSchema,
  firedTriggerSchema,
  healthStatusSchema,
  incidentStateSchema,
  incidentUpdateSchema,
  maintenanceStatusSchema,
  maintenanceWindowSchema,
  pushMonitorSchema,
  runStatusSchema,
  satelliteSessionSchema,
  satelliteStatusSchema,
  type PushMonitor,
} from '../../machines/index.ts';
import type { StateRow, SystemRow } from '../../persistence/index.ts';
import type { AutomationScopeState } from '../../machines/index.ts';

/**
 * What the query API answers for each public kind: the entity's stored state, reshaped for
 * reading (`id` first, the list leaves out what only a detail page needs), plus `version` and
 * `updatedAt` (epoch ms of its last commit). One schema and one mapping per kind.
 */

const stored = { version: z.number().int().positive(), updatedAt: z.number() };
const jsonObject = z.record(z.string(), z.unknown());

export const systemHealthSchema = z
  .object({ status: healthStatusSchema, healthyChecks: z.number().int(), totalChecks: z.number().int(), updatedAt: z.number() })
  .meta({ id: 'SystemHealth' });

export const systemItemSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    groupIds: z.array(z.string()),
    metadata: jsonObject,
    createdAt: z.number(),
    ...stored,
    health: systemHealthSchema.nullable().meta({ description: 'null until the first check result' }),
  })
  .meta({ id: 'System' });
export type SystemItem = z.infer<typeof systemItemSchema>;

export function systemItem(row: SystemRow): SystemItem {
  const state = row.state as { name: string; description: string; groupIds: string[]; metadata: Record<string, unknown>; createdAt: number };
  const health = row.health?.state as { status: z.infer<typeof healthStatusSchema>; healthyChecks: number; totalChecks: number } | undefined;
  return {
    id: row.id,
    name: state.name,
    description: state.description,
    groupIds: state.groupIds,
    metadata: state.metadata,
    createdAt: state.createdAt,
    version: row.version,
    updatedAt: row.updatedAt,
    health: health && row.health ? { status: health.status, healthyChecks: health.healthyChecks, totalChecks: health.totalChecks, updatedAt: row.health.updatedAt } : null,
  };
}

export const checkResultSchema = checkHealthSchema.extend({ message: z.string().optional() }).meta({ id: 'CheckHealth' });

export const groupItemSchema = z.object({ id: z.string(), name: z.string(), metadata: jsonObject, createdAt: z.number(), ...stored }).meta({ id: 'Group' });

export function groupItem(row: StateRow): z.infer<typeof groupItemSchema> {
  const state = row.state as { name: string; metadata: Record<string, unknown>; createdAt: number };
  return { id: row.id, name: state.name, metadata: state.metadata, createdAt: state.createdAt, version: row.version, updatedAt: row.updatedAt };
}

/** The stored incident without its updates (a detail route has them), with their count and the newest. */
export const incidentItemSchema = incidentStateSchema
  .omit({ updates: true })
  .extend({ updateCount: z.number().int(), lastUpdate: incidentUpdateSchema.nullable(), ...stored })
  .meta({ id: 'Incident' });
export type IncidentItem = z.infer<typeof incidentItemSchema>;

export function incidentItem(row: StateRow): IncidentItem {
  const state = row.state as Omit<IncidentItem, 'id' | 'updateCount' | 'lastUpdate' | 'version' | 'updatedAt'> & { updates: IncidentItem['lastUpdate'][] };
  return {
    id: row.id,
    title: state.title,
    description: state.description,
    status: state.status,
    severity: state.severity,
    systemIds: state.systemIds,
    createdAt: state.createdAt,
    resolvedAt: state.resolvedAt,
    updateCount: state.updates.length,
    lastUpdate: state.updates.at(-1) ?? null,
    version: row.version,
    updatedAt: row.updatedAt,
  };
}

export const satelliteItemSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    region: z.string(),
    status: satelliteStatusSchema,
    connected: z.boolean(),
    session: satelliteSessionSchema.nullable().meta({ description: 'The node and session of its open socket' }),
    lastSeenAt: z.number().nullable(),
    heartbeatThresholdMs: z.number(),
    offlineReason: z.string().nullable(),
    registeredAt: z.number(),
    ...stored,
  })
  .meta({ id: 'Satellite' });

export function satelliteItem(row: StateRow): z.infer<typeof satelliteItemSchema> {
  const state = row.state as Omit<z.infer<typeof satelliteItemSchema>, 'version' | 'updatedAt'>;
  return {
    id: row.id,
    name: state.name,
    region: state.region,
    status: state.status,
    connected: state.connected,
    session: state.session ?? null,
    lastSeenAt: state.lastSeenAt,
    heartbeatThresholdMs: state.heartbeatThresholdMs,
    offlineReason: state.offlineReason ?? null,
    registeredAt: state.registeredAt,
    version: row.version,
    updatedAt: row.updatedAt,
  };
}

export const checkItemSchema = z
  .object({
    id: z.string(),
    systemId: z.string(),
    strategy: jsonObject.nullable().meta({ description: 'What the satellite runs (`type` and its settings)' }),
    intervalMs: z.number(),
    satelliteIds: z.array(z.string()),
    push: pushMonitorSchema.optional().meta({ description: 'Push checks only: the last ping, the current deadline (`dueAt`) and the misses in a row' }),
    ...stored,
  })
  .meta({ id: 'Check' });

export function checkItem(row: StateRow): z.infer<typeof checkItemSchema> {
  const state = row.state as { systemId: string; strategy: Record<string, unknown> | null; intervalMs: number; satelliteIds: string[]; push?: PushMonitor };
  return {
    id: row.id,
    systemId: state.systemId,
    strategy: state.strategy,
    intervalMs: state.intervalMs,
    satelliteIds: state.satelliteIds,
    ...(state.push ? { push: state.push } : {}),
    version: row.version,
    updatedAt: row.updatedAt,
  };
}

export const maintenanceItemSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    description: z.string(),
    systemIds: z.array(z.string()),
    status: maintenanceStatusSchema,
    currentWindow: maintenanceWindowSchema.nullable(),
    nextWindow: maintenanceWindowSchema.nullable(),
    schedule: jsonObject,
    ...stored,
  })
  .meta({ id: 'Maintenance' });

export function maintenanceItem(row: StateRow): z.infer<typeof maintenanceItemSchema> {
  const state = row.state as Omit<z.infer<typeof maintenanceItemSchema>, 'id' | 'version' | 'updatedAt'>;
  return {
    id: row.id,
    title: state.title,
    description: state.description,
    systemIds: state.systemIds,
    status: state.status,
    currentWindow: state.currentWindow,
    nextWindow: state.nextWindow,
    schedule: state.schedule,
    version: row.version,
    updatedAt: row.updatedAt,
  };
}

export const automationItemSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    revision: z.number().int(),
    enabled: z.boolean(),
    savedAt: z.number(),
    triggers: z.array(z.string()).meta({ description: 'The trigger event ids it starts on' }),
    definition: jsonObject,
    ...stored,
  })
  .meta({ id: 'Automation' });

export function automationItem(row: StateRow): z.infer<typeof automationItemSchema> {
  const state = row.state as { revision: number; enabled: boolean; savedAt: number; definition: { name?: string; description?: string; triggers?: Array<{ event?: string }> } & Record<string, unknown> };
  const { definition } = state;
  return {
    id: row.id,
    name: definition.name ?? row.id,
    description: definition.description ?? '',
    revision: state.revision,
    enabled: state.enabled,
    savedAt: state.savedAt,
    triggers: [...new Set((definition.triggers ?? []).map((trigger) => String(trigger.event)))],
    definition,
    version: row.version,
    updatedAt: row.updatedAt,
  };
}

export const runItemSchema = z
  .object({
    id: z.string(),
    automationId: z.string(),
    revision: z.number().int(),
    status: runStatusSchema,
    trigger: firedTriggerSchema.nullable(),
    startedAt: z.number(),
    endedAt: z.number().nullable(),
    reason: z.string().nullable(),
    wakeAt: z.number().nullable(),
    stepCount: z.number().int(),
    ...stored,
  })
  .meta({ id: 'Run' });

export function runItem(row: StateRow): z.infer<typeof runItemSchema> {
  const state = row.state as z.infer<typeof automationRunStateSchema>;
  return {
    id: row.id,
    automationId: state.automationId,
    revision: state.revision,
    status: state.status,
    trigger: state.trigger,
    startedAt: state.startedAt,
    endedAt: state.endedAt,
    reason: state.reason,
    wakeAt: state.wakeAt,
    stepCount: state.steps.length,
    version: row.version,
    updatedAt: row.updatedAt,
  };
}

export const runDetailSchema = automationRunStateSchema
  .extend({
    id: z.string(),
    ...stored,
    deliveries: z.array(deliveryWithAttemptsSchema).meta({ description: "The run's notification deliveries with every attempt, oldest first (up to 200)" }),
  })
  .meta({ id: 'RunDetail' });

export const queuedRunSchema = z
  .object({
    runId: z.string().meta({ description: 'The id the run will have when it starts' }),
    automationId: z.string(),
    scopeId: z.string(),
    contextValue: z.string().nullable(),
    position: z.number().int().positive().meta({ description: '1: starts next in its scope' }),
    trigger: firedTriggerSchema,
  })
  .meta({ id: 'QueuedRun' });

/** The fires a `queued`-mode scope holds: runs that exist only as a place in its queue until they start. */
export function queuedRunsOf(row: StateRow): Array<z.infer<typeof queuedRunSchema>> {
  const scope = row.state as AutomationScopeState;
  return scope.queue.map((entry, index) => ({ runId: entry.runId, automationId: scope.automationId, scopeId: scope.scopeId, contextValue: scope.contextValue, position: index + 1, trigger: entry.trigger }));
}
