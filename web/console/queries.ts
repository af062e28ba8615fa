import { get, query } from './api.ts';
import type {
  AutomationItem,
  CheckHealth,
  CheckItem,
  ClusterStatus,
  HealthStatus,
  HealthTransition,
  IncidentDetail,
  IncidentItem,
  MaintenanceItem,
  RunDetail,
  RunItem,
  SatelliteItem,
  SystemDetail,
  SystemItem,
} from './types.ts';

/**
 * Every read the console makes, answering the query API's shapes. Built on the generic entity
 * routes (`/entities/<kind>`), which every node serves.
 */

interface EntityRow<S> {
  kind: string;
  id: string;
  version: number;
  state: S;
  stateValue: string;
  updatedAt: number;
}

async function allEntities<S>(kind: string, extra: Record<string, string> = {}): Promise<Array<EntityRow<S>>> {
  const rows: Array<EntityRow<S>> = [];
  let after: string | null = null;
  // The console shows up to 5000 of a kind; past that, the query API's filters are the way.
  for (let page = 0; page < 5; page++) {
    const answer: { items: Array<EntityRow<S>>; next: string | null } = await get(`/entities/${kind}${query({ limit: 1000, after, ...extra })}`);
    rows.push(...answer.items);
    after = answer.next;
    if (!after) break;
  }
  return rows;
}

async function entity<S>(kind: string, id: string): Promise<EntityRow<S | null>> {
  return get(`/entities/${kind}/${encodeURIComponent(id)}`);
}

const healthRank: Record<string, number> = { unhealthy: 0, degraded: 1, unknown: 2, healthy: 3 };

interface HealthState {
  systemId: string;
  status: HealthStatus;
  healthyChecks: number;
  totalChecks: number;
  checks: Record<string, CheckHealth>;
}

interface SystemState {
  id: string;
  name: string;
  description: string;
  metadata: Record<string, unknown>;
  groupIds: string[];
  createdAt: number;
}

function systemItem(row: EntityRow<SystemState>, health: EntityRow<HealthState> | undefined): SystemItem {
  return {
    ...row.state,
    id: row.id,
    version: row.version,
    updatedAt: row.updatedAt,
    health: health && health.state ? { status: health.state.status, healthyChecks: health.state.healthyChecks, totalChecks: health.state.totalChecks, updatedAt: health.updatedAt } : null,
  };
}

/** Systems, worst health first, then by name (`GET /systems?sort=health`). */
export async function listSystems(): Promise<SystemItem[]> {
  const [systems, healths] = await Promise.all([allEntities<SystemState>('system'), allEntities<HealthState>('health')]);
  const byId = new Map(healths.map((row) => [row.id, row]));
  return systems
    .map((row) => systemItem(row, byId.get(row.id)))
    .sort((a, b) => healthRank[a.health?.status ?? 'unknown']! - healthRank[b.health?.status ?? 'unknown']! || a.name.localeCompare(b.name));
}

interface IncidentState extends Omit<IncidentItem, 'updateCount' | 'lastUpdate' | 'version' | 'updatedAt'> {
  updates: Array<{ message: string; statusChange?: { from: string; to: string }; at: number }>;
}

function incidentItem(row: EntityRow<IncidentState>): IncidentItem & { updates: IncidentState['updates'] } {
  const last = row.state.updates.at(-1);
  return {
    ...row.state,
    id: row.id,
    updateCount: row.state.updates.length,
    lastUpdate: last ? { message: last.message, ...(last.statusChange ? { status: last.statusChange.to } : {}), at: last.at } : null,
    version: row.version,
    updatedAt: row.updatedAt,
  };
}

/** Incidents, newest first; `open`: every status but resolved (`GET /incidents?status=open`). */
export async function listIncidents(filter: { open?: boolean; system?: string } = {}): Promise<IncidentItem[]> {
  const rows = await allEntities<IncidentState>('incident');
  return rows
    .map(incidentItem)
    .filter((incident) => (!filter.open || incident.status !== 'resolved') && (!filter.system || incident.systemIds.includes(filter.system)))
    .sort((a, b) => b.createdAt - a.createdAt);
}

interface MaintenanceState extends Omit<MaintenanceItem, 'id' | 'version' | 'updatedAt'> {
  maintenanceId: string;
}

/** Maintenance windows, active first, then by the next start (`GET /maintenance?status=`). */
export async function listMaintenance(filter: { system?: string; current?: boolean } = {}): Promise<MaintenanceItem[]> {
  const rows = await allEntities<MaintenanceState>('maintenance');
  const start = (item: MaintenanceItem) => item.currentWindow?.startsAt ?? item.nextWindow?.startsAt ?? Number.MAX_SAFE_INTEGER;
  return rows
    .map(({ state, id, version, updatedAt }) => ({ ...state, id, version, updatedAt }))
    .filter((item) => (!filter.current || item.status !== 'finished') && (!filter.system || item.systemIds.includes(filter.system)))
    .sort((a, b) => Number(b.status === 'active') - Number(a.status === 'active') || start(a) - start(b));
}

/** One system with its checks, open incidents and maintenance (`GET /systems/:id`). */
export async function systemDetail(id: string): Promise<SystemDetail | null> {
  const [system, health, openIncidents, maintenance] = await Promise.all([
    entity<SystemState>('system', id),
    entity<HealthState>('health', id),
    listIncidents({ open: true, system: id }),
    listMaintenance({ system: id, current: true }),
  ]);
  if (!system.state) return null;
  const healthRow = health.version > 0 && health.state ? (health as EntityRow<HealthState>) : undefined;
  return {
    system: systemItem(system as EntityRow<SystemState>, healthRow),
    checks: Object.values(healthRow?.state.checks ?? {}).sort((a, b) => a.checkId.localeCompare(b.checkId) || a.source.localeCompare(b.source)),
    openIncidents,
    maintenance,
  };
}

/** The system's health transitions, oldest first (`GET /entities/health/:id/history`). */
export async function healthHistory(systemId: string): Promise<HealthTransition[]> {
  const answer = await get<{ transitions: HealthTransition[] }>(`/entities/health/${encodeURIComponent(systemId)}/history${query({ limit: 1000 })}`);
  return answer.transitions;
}

interface Transition {
  version: number;
  at: number;
  prev: { status?: string } | null;
  next: { status?: string } | null;
  stateValue: string;
  event: { type: string; message?: string };
  cause: { event: string; actor?: string; runId?: string };
}

/** One incident with its updates and its timeline of changes, each with who caused it (`GET /incidents/:id`). */
export async function incidentDetail(id: string): Promise<IncidentDetail | null> {
  const [row, history] = await Promise.all([
    entity<IncidentState>('incident', id),
    get<{ transitions: Transition[] }>(`/entities/incident/${encodeURIComponent(id)}/history${query({ limit: 1000 })}`),
  ]);
  if (!row.state) return null;
  return {
    incident: incidentItem(row as EntityRow<IncidentState>),
    timeline: history.transitions.map((transition) => {
      const from = transition.prev?.status;
      const to = transition.next?.status;
      const actor = transition.cause.actor ?? null;
      return {
        version: transition.version,
        at: transition.at,
        event: transition.cause.event,
        stateValue: transition.stateValue,
        ...(from && to && from !== to ? { statusChange: { from, to } } : {}),
        ...(transition.event.message ? { message: transition.event.message } : {}),
        actor,
        runId: transition.cause.runId ?? null,
        automationId: actor?.startsWith('automation:') ? actor.slice('automation:'.length) : null,
      };
    }),
  };
}

export async function listSatellites(): Promise<SatelliteItem[]> {
  const rows = await allEntities<Omit<SatelliteItem, 'version' | 'updatedAt'>>('satellite');
  return rows.map(({ state, id, version, updatedAt }) => ({ ...state, id, version, updatedAt })).sort((a, b) => a.region.localeCompare(b.region) || a.name.localeCompare(b.name));
}

export async function listChecks(): Promise<CheckItem[]> {
  const rows = await allEntities<Omit<CheckItem, 'version' | 'updatedAt'>>('check');
  return rows.map(({ state, id, version, updatedAt }) => ({ ...state, id, version, updatedAt }));
}

interface AutomationState {
  id: string;
  revision: number;
  enabled: boolean;
  definition: { name?: string; description?: string; triggers?: Array<{ id?: string }> } & Record<string, unknown>;
  savedAt: number;
}

export async function listAutomations(): Promise<AutomationItem[]> {
  const rows = await allEntities<AutomationState>('automation');
  return rows
    .map(({ state, id, version, updatedAt }) => ({
      id,
      name: state.definition.name ?? id,
      description: state.definition.description ?? '',
      revision: state.revision,
      enabled: state.enabled,
      savedAt: state.savedAt,
      triggers: (state.definition.triggers ?? []).map((trigger) => trigger.id ?? '?'),
      definition: state.definition,
      version,
      updatedAt,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

type RunState = Omit<RunDetail, 'id' | 'version' | 'updatedAt'>;

function runItem(row: EntityRow<RunState>): RunItem {
  const { state } = row;
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

/** Runs, newest start first (`GET /runs?automation=&status=`); the 500 most recently changed. */
export async function listRuns(filter: { automation?: string; statuses?: string[] } = {}): Promise<RunItem[]> {
  const answer = await get<{ items: Array<EntityRow<RunState>> }>(
    `/entities/automation_run${query({ order: 'recent', limit: 500, 'filter.automationId': filter.automation })}`,
  );
  return answer.items
    .filter((row) => row.state && (!filter.statuses?.length || filter.statuses.includes(row.state.status)))
    .map(runItem)
    .sort((a, b) => b.startedAt - a.startedAt);
}

export async function runDetail(id: string): Promise<RunDetail | null> {
  const row = await entity<RunState>('automation_run', id);
  if (!row.state) return null;
  return { ...row.state, id: row.id, version: row.version, updatedAt: row.updatedAt };
}

export const clusterStatus = () => get<ClusterStatus>('/cluster/status');
