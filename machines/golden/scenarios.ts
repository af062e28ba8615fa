import { automationDefinitionSchema } from '../../automations/definition/automation-definition.ts';
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

/** An automation definition in its stored form (defaults filled in, durations in ms). */
const automationDoc = (overrides: Record<string, unknown>) =>
  automationDefinitionSchema.parse({
    id: 'auto-open',
    name: 'Open an incident',
    triggers: [{ id: 'degraded', event: 'healthcheck.system.degraded' }],
    actions: [{ action: 'incident.create', config: { title: 'Down', systemIds: ['{{ trigger.payload.systemId }}'] } }],
    ...overrides,
  }) as unknown as Record<string, unknown>;

const firedTrigger = (systemId: string, version: number) => ({
  id: 'degraded',
  event: 'healthcheck.system.degraded',
  payload: { systemId },
  contextKey: 'systemId',
  contextValue: systemId,
  source: { kind: 'health', id: systemId, version },
  at: version * 10,
});
const fire = (mode: string, systemId: string, version: number, at: number) => ({ type: 'fire', automationId: 'auto-open', contextValue: null, mode, max: 2, trigger: firedTrigger(systemId, version), at });

/** Epoch ms of a UTC date and time written `YYYY-MM-DDTHH:MM`. */
const utc = (text: string) => Date.parse(`${text}:00Z`);

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
  // Mondays and Wednesdays 02:00-04:00 in Berlin, across the change to summer time (2026-03-29).
  maintenance: {
    id: 'mnt-db',
    events: [
      { type: 'cancel', at: 1 },
      { type: 'create', title: 'DB upgrade', systemIds: ['sys-db'], schedule: { kind: 'recurring', timezone: 'Europe/Berlin', weekdays: ['mon', 'wed'], startTime: '02:00', durationMinutes: 120 }, at: utc('2026-03-22T12:00') },
      { type: 'create', title: 'again', systemIds: ['sys-db'], schedule: { kind: 'once', startsAt: 1, endsAt: 2 }, at: utc('2026-03-22T12:01') },
      { type: 'window_start', dueAt: utc('2026-03-23T01:00'), at: utc('2026-03-23T01:00') - 1 },
      { type: 'window_start', dueAt: utc('2026-03-23T00:00'), at: utc('2026-03-23T01:00') },
      { type: 'window_start', dueAt: utc('2026-03-23T01:00'), at: utc('2026-03-23T01:00') + 250 },
      { type: 'window_start', dueAt: utc('2026-03-23T01:00'), at: utc('2026-03-23T01:00') + 900 },
      { type: 'update', title: 'DB and replica upgrade', systemIds: ['sys-db', 'sys-db-replica'], at: utc('2026-03-23T02:00') },
      { type: 'window_end', dueAt: utc('2026-03-23T03:00'), at: utc('2026-03-23T02:59') },
      { type: 'window_end', dueAt: utc('2026-03-23T03:00'), at: utc('2026-03-23T03:00') + 100 },
      // Nodes down through Wednesday's window: it is skipped, not started late.
      { type: 'window_start', dueAt: utc('2026-03-25T01:00'), at: utc('2026-03-25T04:00') },
      // Late, but the window (02:00 CEST = 00:00 UTC) is still running: entered late.
      { type: 'window_start', dueAt: utc('2026-03-30T00:00'), at: utc('2026-03-30T01:30') },
      // The end fires during the next window: one ends, the other starts.
      { type: 'window_end', dueAt: utc('2026-03-30T02:00'), at: utc('2026-04-01T00:30') },
      { type: 'cancel', at: utc('2026-04-01T01:00') },
      { type: 'cancel', at: utc('2026-04-01T01:01') },
      { type: 'window_end', dueAt: utc('2026-04-01T02:00'), at: utc('2026-04-01T02:00') },
      { type: 'update', schedule: { kind: 'recurring', timezone: 'Europe/Berlin', weekdays: ['mon', 'wed'], startTime: '02:00', durationMinutes: 120 }, at: utc('2026-04-02T08:00') },
      { type: 'update', schedule: { kind: 'once', startsAt: utc('2026-04-10T20:00'), endsAt: utc('2026-04-10T22:00') }, at: utc('2026-04-02T08:10') },
      { type: 'update', schedule: { kind: 'once', startsAt: utc('2026-04-02T09:00'), endsAt: utc('2026-04-02T10:00') }, description: 'now', at: utc('2026-04-02T09:30') },
      { type: 'delete', at: utc('2026-04-02T09:45') },
      { type: 'update', title: 'late', at: utc('2026-04-02T09:46') },
    ],
  },
  automation: {
    id: 'auto-open',
    events: [
      { type: 'enable', at: 1 },
      { type: 'save', definition: automationDoc({ id: 'other-id' }), at: 5 },
      { type: 'save', definition: automationDoc({}), at: 10 },
      { type: 'save', definition: automationDoc({}), at: 11 },
      { type: 'disable', at: 20 },
      { type: 'save', definition: automationDoc({ name: 'Open an incident (edited)', enabled: false }), at: 21 },
      { type: 'enable', at: 22 },
      { type: 'save', definition: automationDoc({ enabled: false }), at: 23 },
      { type: 'save', definition: automationDoc({ enabled: true, mode: 'queued' }), at: 24 },
      { type: 'delete', at: 30 },
      { type: 'enable', at: 31 },
      { type: 'save', definition: automationDoc({}), at: 40 },
    ],
  },
  automation_scope: {
    id: 'auto-open',
    events: [
      { type: 'run_finished', runId: 'auto-open:r1', at: 1 },
      fire('single', 'shop', 1, 10),
      fire('single', 'shop', 2, 11),
      { type: 'run_finished', runId: 'auto-open:r1', at: 12 },
      fire('queued', 'shop', 3, 20),
      fire('queued', 'shop', 4, 21),
      fire('queued', 'shop', 5, 22),
      { type: 'run_finished', runId: 'auto-open:r2', at: 23 },
      fire('restart', 'shop', 6, 30),
      fire('parallel', 'shop', 7, 40),
      fire('parallel', 'shop', 8, 41),
      { type: 'run_finished', runId: 'auto-open:r9', at: 42 },
      { type: 'run_finished', runId: 'auto-open:r5', at: 43 },
    ],
  },
  automation_run: {
    id: 'auto-open:r1',
    events: [
      { type: 'advance', seq: 0, cursor: null, steps: [], next: { status: 'running' }, at: 1 },
      { type: 'start', automationId: 'auto-open', revision: 1, scopeId: 'auto-open', definition: automationDoc({}), trigger: firedTrigger('shop', 1), at: 10 },
      { type: 'start', automationId: 'auto-open', revision: 1, scopeId: 'auto-open', definition: automationDoc({}), trigger: firedTrigger('shop', 1), at: 11 },
      { type: 'advance', seq: 0, cursor: { frames: [{ list: 'actions', index: 0 }] }, steps: [], conditions: [], next: { status: 'running' }, at: 12 },
      { type: 'advance', seq: 0, cursor: { frames: [] }, steps: [], next: { status: 'running' }, at: 13 },
      { type: 'advance', seq: 1, cursor: { frames: [{ list: 'actions', index: 1 }] }, steps: [{ path: 'actions[0]', kind: 'delay', status: 'succeeded', attempts: 1, startedAt: 14, endedAt: 14, output: { ms: 100 } }], next: { status: 'waiting', wakeAt: 114 }, at: 14 },
      { type: 'wake', dueAt: 114, at: 113 },
      { type: 'wake', dueAt: 99, at: 120 },
      { type: 'wake', dueAt: 114, at: 115 },
      { type: 'advance', seq: 2, cursor: { frames: [] }, steps: [{ path: 'actions[1]', kind: 'action', status: 'failed', attempts: 3, startedAt: 116, endedAt: 117, error: 'HTTP 500' }], next: { status: 'failed', reason: 'actions[1]: HTTP 500' }, at: 117 },
      { type: 'cancel', reason: 'too late', at: 118 },
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
