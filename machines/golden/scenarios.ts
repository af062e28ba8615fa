import type { EntityKind } from '../entity-change.ts';

/**
 * The event sequences the golden logs were generated from (`UPDATE_GOLDEN=1`). Each walks every
 * transition of its machine, refusals included. Events are the wire form: validated by the kind's
 * event schema (defaults filled in) and stamped with `at`.
 */
export interface Scenario {
  id: string;
  events: ({ type: string; at: number } & Record<string, unknown>)[];
}

export const scenarios: Record<EntityKind, Scenario> = {
  check: {
    id: 'chk-home',
    events: [
      { type: 'update', intervalMs: 5_000, at: 1 },
      { type: 'create', systemId: 'sys-api', strategy: { kind: 'http', url: 'https://example.test/health', method: 'GET', expectedStatus: 200, timeoutMs: 10_000 }, intervalMs: 30_000, satelliteIds: ['sat-eu'], at: 10 },
      { type: 'create', systemId: 'again', strategy: { kind: 'tcp', host: 'db', port: 5432, timeoutMs: 1_000 }, intervalMs: 60_000, satelliteIds: [], at: 11 },
      { type: 'update', satelliteIds: ['sat-eu', 'sat-us'], at: 20 },
      { type: 'update', intervalMs: 30_000, at: 21 },
      { type: 'update', strategy: { kind: 'tcp', host: 'db.internal', port: 5432, timeoutMs: 2_000 }, at: 22 },
      { type: 'delete', at: 30 },
      { type: 'update', intervalMs: 1_000, at: 31 },
    ],
  },
  system: {
    id: 'sys-api',
    events: [
      { type: 'update', name: 'early', at: 1 },
      { type: 'create', name: 'API', groupIds: ['grp-core'], at: 10 },
      { type: 'create', name: 'again', at: 11 },
      { type: 'update', description: 'Public API', metadata: { tier: 1 }, at: 20 },
      { type: 'update', name: 'API', at: 21 },
      { type: 'delete', at: 30 },
      { type: 'update', name: 'late', at: 31 },
    ],
  },
  group: {
    id: 'grp-core',
    events: [
      { type: 'delete', at: 1 },
      { type: 'create', name: 'Core', at: 10 },
      { type: 'update', name: 'Core services', metadata: { owner: 'sre' }, at: 20 },
      { type: 'update', name: 'Core services', at: 21 },
      { type: 'delete', at: 30 },
      { type: 'delete', at: 31 },
    ],
  },
  incident: {
    id: 'inc-1',
    events: [
      { type: 'resolve', at: 1 },
      { type: 'create', title: 'API errors', severity: 'major', systemIds: ['sys-api'], at: 10 },
      { type: 'reopen', at: 11 },
      { type: 'post_update', message: 'Looking into elevated 5xx', at: 20 },
      { type: 'post_update', message: 'Bad deploy', status: 'identified', at: 30 },
      { type: 'post_update', message: 'Rolling back', status: 'fixing', at: 40 },
      { type: 'post_update', message: 'Watching', status: 'monitoring', at: 50 },
      { type: 'update', severity: 'critical', systemIds: ['sys-api', 'sys-web'], at: 55 },
      { type: 'resolve', message: 'All clear', at: 60 },
      { type: 'resolve', at: 61 },
      { type: 'post_update', message: 'back?', status: 'investigating', at: 62 },
      { type: 'post_update', message: 'Postmortem published', at: 70 },
      { type: 'reopen', message: 'Errors again', at: 80 },
      { type: 'post_update', message: 'Gone', status: 'resolved', at: 90 },
      { type: 'reopen', status: 'identified', at: 100 },
      { type: 'delete', at: 110 },
      { type: 'update', title: 'late', at: 111 },
    ],
  },
  health: {
    id: 'sys-api',
    events: [
      { type: 'check_result', checkId: 'http', source: 'sat-eu', success: true, at: 10 },
      { type: 'check_result', checkId: 'http', source: 'sat-eu', success: true, at: 11 },
      { type: 'check_result', checkId: 'http', source: 'sat-us', success: false, message: 'timeout', at: 20 },
      { type: 'check_result', checkId: 'http', source: 'sat-us', success: false, at: 30 },
      { type: 'check_result', checkId: 'http', source: 'sat-us', success: false, at: 40 },
      { type: 'check_result', checkId: 'http', source: 'sat-us', success: false, at: 50 },
      { type: 'check_result', checkId: 'http', source: 'sat-us', success: false, at: 60 },
      { type: 'check_result', checkId: 'http', source: 'sat-us', success: false, at: 70 },
      { type: 'check_result', checkId: 'dns', source: 'sat-eu', success: false, thresholds: { degradedAfter: 1 }, at: 80 },
      { type: 'check_result', checkId: 'http', source: 'sat-us', success: true, thresholds: { healthyAfter: 2 }, at: 90 },
      // A failure after one success never improves an unhealthy check.
      { type: 'check_result', checkId: 'http', source: 'sat-us', success: false, at: 95 },
      { type: 'check_result', checkId: 'http', source: 'sat-us', success: true, thresholds: { healthyAfter: 2 }, at: 100 },
      { type: 'check_result', checkId: 'http', source: 'sat-us', success: true, thresholds: { healthyAfter: 2 }, at: 105 },
      { type: 'check_removed', checkId: 'dns', source: 'sat-eu', at: 110 },
      { type: 'check_removed', checkId: 'nope', at: 120 },
      { type: 'check_removed', checkId: 'http', at: 130 },
      // v2: results with executedAt apply in order and once per (check, source).
      { type: 'check_result', checkId: 'tcp', source: 'sat-eu', success: false, executedAt: 1000, resultId: 'r1', at: 140 },
      { type: 'check_result', checkId: 'tcp', source: 'sat-eu', success: false, executedAt: 1000, resultId: 'r1', at: 141 },
      {
        type: 'check_results',
        results: [
          { checkId: 'tcp', source: 'sat-eu', success: false, executedAt: 2000, resultId: 'r2' },
          { checkId: 'tcp', source: 'sat-eu', success: true, executedAt: 1500, resultId: 'late' },
          { checkId: 'tcp', source: 'sat-us', success: false, executedAt: 1500, resultId: 'u1' },
        ],
        at: 150,
      },
      { type: 'check_results', results: [{ checkId: 'tcp', source: 'sat-eu', success: false, executedAt: 2000, resultId: 'r2' }], at: 151 },
      { type: 'check_results', results: [{ checkId: 'tcp', source: 'sat-eu', success: true, executedAt: 3000, resultId: 'r3' }], at: 160 },
    ],
  },
  satellite: {
    id: 'sat-eu',
    events: [
      { type: 'connect', at: 1 },
      { type: 'register', name: 'eu-1', region: 'eu-west', at: 10 },
      { type: 'disconnect', at: 11 },
      { type: 'heartbeat_timeout', dueAt: 10, at: 12 },
      { type: 'connect', at: 1_000 },
      { type: 'heartbeat', at: 20_000 },
      { type: 'heartbeat_timeout', dueAt: 46_000, at: 46_000 },
      { type: 'heartbeat_timeout', dueAt: 65_000, at: 64_999 },
      { type: 'update', region: 'eu-central', heartbeatThresholdMs: 30_000, at: 21_000 },
      { type: 'heartbeat_timeout', dueAt: 50_000, at: 50_500 },
      { type: 'heartbeat_timeout', dueAt: 50_000, at: 51_000 },
      { type: 'disconnect', at: 52_000 },
      { type: 'heartbeat', at: 60_000 },
      { type: 'disconnect', at: 70_000 },
      { type: 'connect', at: 80_000 },
      { type: 'remove', at: 90_000 },
      { type: 'connect', at: 91_000 },
    ],
  },
};
