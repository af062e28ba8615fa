import { ApiError, get, query } from './api.ts';
import type {
  AutomationItem,
  CheckItem,
  ClusterStatus,
  HealthTransition,
  IncidentDetail,
  IncidentItem,
  MaintenanceItem,
  Page,
  QueuedRun,
  RunDetail,
  RunItem,
  SeriesPoint,
  StoredCheckResult,
  UptimeWindow,
  SatelliteItem,
  SystemDetail,
  SystemItem,
} from './types.ts';

/**
 * Every read the console makes, on the query API (docs/PROTOCOL.md, "Query API"). Lists follow
 * `next` cursors up to `MAX_ITEMS`: past that, a page shows the first ones and says so through the
 * filters it offers.
 */
const MAX_ITEMS = 2000;

async function all<T>(path: string, filters: Record<string, string | undefined> = {}, max = MAX_ITEMS): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await get(`${path}${query({ ...filters, limit: 500, cursor })}`);
    items.push(...page.items);
    cursor = page.next;
  } while (cursor && items.length < max);
  return items;
}

/** A detail route's answer, or null when it answers 404. */
async function orNull<T>(request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

const id = (value: string) => encodeURIComponent(value);

/** Systems, worst health first, then by name. */
export const listSystems = () => all<SystemItem>('/systems', { sort: 'health' });

/** Incidents, newest first; `open`: every status but resolved. */
export const listIncidents = (filter: { open?: boolean; system?: string } = {}) =>
  all<IncidentItem>('/incidents', { status: filter.open ? 'open' : undefined, system: filter.system }, 500);

/** Active and scheduled maintenance (or every one), active first, then by the next start. */
export async function listMaintenance(filter: { system?: string; current?: boolean } = {}): Promise<MaintenanceItem[]> {
  const items = await all<MaintenanceItem>('/maintenance', { status: filter.current ? 'active,scheduled' : undefined, system: filter.system });
  const start = (item: MaintenanceItem) => item.currentWindow?.startsAt ?? item.nextWindow?.startsAt ?? Number.MAX_SAFE_INTEGER;
  return items.sort((a, b) => Number(b.status === 'active') - Number(a.status === 'active') || start(a) - start(b));
}

/** One system with its checks' health, check definitions, open incidents and maintenance. */
export const systemDetail = (systemId: string) => orNull(get<SystemDetail>(`/systems/${id(systemId)}`));

/** The system's health transitions, oldest first (the first 1000). */
export async function healthHistory(systemId: string): Promise<HealthTransition[]> {
  return (await get<{ transitions: HealthTransition[] }>(`/entities/health/${id(systemId)}/history${query({ limit: 1000 })}`)).transitions;
}

/** One incident with its updates and its timeline, each change with who or which run caused it. */
export const incidentDetail = (incidentId: string) => orNull(get<IncidentDetail>(`/incidents/${id(incidentId)}`));

export async function listSatellites(): Promise<SatelliteItem[]> {
  const items = await all<SatelliteItem>('/satellites');
  return items.sort((a, b) => a.region.localeCompare(b.region) || a.name.localeCompare(b.name));
}

export const listChecks = () => all<CheckItem>('/checks');

export async function listAutomations(): Promise<AutomationItem[]> {
  const items = await all<AutomationItem>('/automations');
  return items.sort((a, b) => a.name.localeCompare(b.name));
}

/** Runs, newest start first (the 500 newest that match). */
export const listRuns = (filter: { automation?: string; statuses?: string[] } = {}) =>
  all<RunItem>('/runs', { automation: filter.automation, status: filter.statuses?.join(',') }, 500);

/** Runs queued now behind an active run (automations in `queued` mode), in the order they will start. */
export const listQueuedRuns = (automation?: string) => get<{ items: QueuedRun[] }>(`/runs/queued${query({ automation })}`).then((answer) => answer.items);

export const runDetail = (runId: string) => orNull(get<RunDetail>(`/runs/${id(runId)}`));

export const clusterStatus = () => get<ClusterStatus>('/cluster/status');

/** Uptime and latency of a check or system over the last 24 h, 7, 30 and 90 days (from its roll-ups). */
export const historyUptime = (subject: 'check' | 'system', subjectId: string) =>
  get<{ windows: UptimeWindow[] }>(`/${subject}s/${id(subjectId)}/uptime`).then((answer) => answer.windows);

/** Hourly (or daily) uptime and latency points of a check or system since `since`, oldest first. */
export const historySeries = (subject: 'check' | 'system', subjectId: string, bucket: 'hour' | 'day', since: number) =>
  get<{ points: SeriesPoint[] }>(`/${subject}s/${id(subjectId)}/series${query({ bucket, since })}`).then((answer) => answer.points);

/** A check's newest stored results (one page), optionally only its failures. */
export const checkResults = (checkId: string, filter: { failuresOnly?: boolean; limit?: number } = {}) =>
  get<Page<StoredCheckResult>>(`/checks/${id(checkId)}/results${query({ status: filter.failuresOnly ? 'down' : undefined, limit: filter.limit ?? 20 })}`).then((page) => page.items);
