/** What the console reads, in the shapes of the query API (docs/PROTOCOL.md, "Query API"). Times are epoch ms. */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface SystemItem {
  id: string;
  name: string;
  description: string;
  groupIds: string[];
  metadata: Record<string, unknown>;
  createdAt: number;
  version: number;
  updatedAt: number;
  health: { status: HealthStatus; healthyChecks: number; totalChecks: number; updatedAt: number } | null;
}

export interface CheckHealth {
  checkId: string;
  source: string;
  status: HealthStatus;
  consecutiveSuccesses: number;
  consecutiveFailures: number;
  lastResultAt?: number;
}

export interface SystemDetail {
  system: SystemItem;
  checks: CheckHealth[];
  checkDefinitions: CheckItem[];
  openIncidents: IncidentItem[];
  maintenance: MaintenanceItem[];
}

export type IncidentStatus = 'investigating' | 'identified' | 'fixing' | 'monitoring' | 'resolved';

export interface IncidentItem {
  id: string;
  title: string;
  description: string;
  status: IncidentStatus;
  severity: 'minor' | 'major' | 'critical';
  systemIds: string[];
  createdAt: number;
  resolvedAt: number | null;
  updateCount: number;
  lastUpdate: { message: string; status?: string; at: number } | null;
  version: number;
  updatedAt: number;
}

export interface StatusChange {
  /** null: no status on that side (a create, a delete). */
  from: string | null;
  to: string | null;
}

export interface IncidentDetail {
  incident: IncidentItem & { updates: Array<{ message: string; statusChange?: StatusChange; at: number }> };
  timeline: Array<{
    version: number;
    at: number;
    event: string;
    stateValue: string;
    statusChange?: StatusChange;
    message?: string;
    actor: string | null;
    runId: string | null;
    automationId: string | null;
  }>;
}

export interface SatelliteItem {
  id: string;
  name: string;
  region: string;
  status: 'registered' | 'online' | 'offline';
  connected: boolean;
  /** `agent`: the agent's User-Agent, e.g. `vigil-satellite/0.1.0 node/24.1.0`. */
  session: { node: string; id: string; agent?: string } | null;
  lastSeenAt: number | null;
  heartbeatThresholdMs: number;
  offlineReason: string | null;
  registeredAt: number;
  version: number;
  updatedAt: number;
}

export interface CheckItem {
  id: string;
  systemId: string;
  strategy: { kind?: string; type?: string; url?: string; host?: string; port?: number; name?: string; recordType?: string } & Record<string, unknown>;
  intervalMs: number;
  satelliteIds: string[];
  version: number;
  updatedAt: number;
}

export interface Window {
  startsAt: number;
  endsAt: number;
}

export interface MaintenanceItem {
  id: string;
  title: string;
  description: string;
  systemIds: string[];
  status: 'scheduled' | 'active' | 'finished';
  currentWindow: Window | null;
  nextWindow: Window | null;
  schedule: unknown;
  version: number;
  updatedAt: number;
}

export interface AutomationItem {
  id: string;
  name: string;
  description: string;
  revision: number;
  enabled: boolean;
  savedAt: number;
  triggers: string[];
  definition: Record<string, unknown>;
  version: number;
  updatedAt: number;
}

export type RunStatus = 'running' | 'waiting' | 'succeeded' | 'failed' | 'stopped' | 'skipped' | 'cancelled';
export const runStatuses: RunStatus[] = ['running', 'waiting', 'succeeded', 'failed', 'stopped', 'skipped', 'cancelled'];

export interface FiredTrigger {
  id: string;
  event: string;
  at?: number;
  payload: Record<string, unknown>;
  contextKey: string;
  contextValue: string;
  [field: string]: unknown;
}

/** A fire an automation in `queued` mode holds behind its active run (`GET /runs/queued`). */
export interface QueuedRun {
  runId: string;
  automationId: string;
  scopeId: string;
  contextValue: string | null;
  position: number;
  trigger: FiredTrigger;
}

export interface RunItem {
  id: string;
  automationId: string;
  revision: number;
  status: RunStatus;
  trigger: FiredTrigger | null;
  startedAt: number;
  endedAt: number | null;
  reason: string | null;
  wakeAt: number | null;
  stepCount: number;
  version: number;
  updatedAt: number;
}

export interface StepTrace {
  path: string;
  kind: string;
  alias?: string;
  status: 'succeeded' | 'failed' | 'skipped' | 'stopped' | 'waiting';
  attempts: number;
  startedAt: number;
  endedAt: number;
  output?: unknown;
  error?: string;
}

/** One attempt of a notification delivery (`GET /runs/{id}` → `deliveries[].attempts`). */
export interface DeliveryAttempt {
  attempt: number;
  status: 'sending' | 'delivered' | 'failed' | 'dead';
  responseCode: number | null;
  error: string | null;
  durationMs: number | null;
  at: number;
  madeBy: string;
}

/** A notification step's delivery with every attempt. */
export interface Delivery {
  id: string;
  runId: string;
  automationId: string;
  stepPath: string;
  action: string;
  target: string;
  status: 'pending' | 'delivered' | 'dead';
  attemptCount: number;
  maxAttempts: number;
  nextAttemptAt: number | null;
  lastError: string | null;
  lastResponseCode: number | null;
  createdAt: number;
  updatedAt: number;
  attempts: DeliveryAttempt[];
}

export interface RunDetail {
  id: string;
  runId: string;
  automationId: string;
  revision: number;
  status: RunStatus;
  trigger: FiredTrigger | null;
  conditions: Array<{ path: string; condition: string; result: boolean; error?: string }>;
  steps: StepTrace[];
  wait: { kind: string; path: string; since: number; timeoutAt: number | null } | null;
  variables: Record<string, unknown>;
  /** Its notification deliveries, oldest first, with every attempt. */
  deliveries: Delivery[];
  /** The automation definition the run follows (its revision's). */
  definition: Record<string, unknown>;
  reason: string | null;
  startedAt: number;
  endedAt: number | null;
  wakeAt: number | null;
  version: number;
  updatedAt: number;
}

export interface HealthTransition {
  version: number;
  at: number;
  next: { status: HealthStatus; healthyChecks: number; totalChecks: number } | null;
  cause: { event: string; actor?: string; runId?: string };
}

export interface ClusterStatus {
  namespace: string;
  nodes: Array<{ nodeId: string; httpPort: number; startedAt: string; partitions: number[]; clock?: { offsetMs: number; uncertaintyMs: number; status: string }; standby?: string }>;
  unownedPartitions: number[];
  partitionCount: number;
  outboxBacklog: number;
  timers: number;
  consumers: Array<{ stream: string; name: string; filter: string; pending: number; ackPending: number; redelivered: number }>;
  parked: Array<{ subject: string; messages: number }>;
}

/** Counts and latency of one window or bucket of the check history (docs/PROTOCOL.md, "Check history"). */
export interface HistorySummary {
  results: number;
  failures: number;
  /** Percent, 0–100; null without results. */
  uptime: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface UptimeWindow extends HistorySummary {
  window: '24h' | '7d' | '30d' | '90d';
  since: number;
}

export interface SeriesPoint extends HistorySummary {
  at: number;
}

export interface StoredCheckResult {
  checkId: string;
  systemId: string;
  source: string;
  resultId: string;
  executedAt: number;
  status: 'up' | 'down';
  latencyMs: number | null;
  error: { kind: string | null; message: string | null; code: string | null } | null;
  timings: { dnsMs?: number; connectMs?: number; tlsMs?: number; firstByteMs?: number; totalMs?: number } | null;
  measured: Record<string, unknown> | null;
}
