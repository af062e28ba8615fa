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

const occur = (id: string, at: number, refire: 'once' | 'every') => ({
  type: 'occur',
  automationId: 'flapping',
  triggerId: 'changes',
  partition: 'shop',
  occurrence: { id, at },
  count: 3,
  withinMs: 60_000,
  refire,
  at: at + 5,
});

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
      // v2: push monitors. A push check has no satellites; pings and deadlines move `push`.
      { type: 'update', strategy: { kind: 'push', periodMs: 60_000, graceMs: 10_000 }, at: 1_000 },
      { type: 'ping', at: 1_001 },
      { type: 'update', strategy: { kind: 'push', periodMs: 60_000, graceMs: 10_000 }, satelliteIds: [], at: 2_000 },
      { type: 'update', satelliteIds: ['sat-eu'], at: 3_000 },
      { type: 'ping', at: 30_000 },
      { type: 'push_due', dueAt: 72_000, at: 72_000 },
      { type: 'push_due', dueAt: 100_000, at: 99_999 },
      { type: 'push_due', dueAt: 100_000, at: 100_000 },
      { type: 'push_due', dueAt: 160_000, at: 400_000 },
      { type: 'ping', status: 'down', message: 'disk full', at: 470_000 },
      { type: 'update', strategy: { kind: 'push', periodMs: 120_000, graceMs: 10_000 }, at: 480_000 },
      { type: 'update', strategy: { kind: 'push', periodMs: 120_000, graceMs: 10_000 }, at: 481_000 },
      { type: 'update', strategy: { kind: 'http', url: 'https://example.test/health', method: 'GET', expectedStatus: 200, timeoutMs: 10_000 }, at: 500_000 },
      { type: 'delete', at: 600_000 },
      { type: 'update', intervalMs: 1_000, at: 600_001 },
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
      // wait_until without a timeout: resumed by the engine (a stale seq is refused).
      { type: 'advance', seq: 2, cursor: { frames: [{ list: 'actions', index: 2 }] }, steps: [{ path: 'actions[1]', kind: 'wait_until', status: 'waiting', attempts: 1, startedAt: 116, endedAt: 116 }], next: { status: 'waiting', wakeAt: null, wait: { kind: 'until', path: 'actions[1]', keys: ['entity:incident:INC-1'], since: 116, timeoutAt: null, continueOnTimeout: true } }, at: 116 },
      { type: 'resume', seq: 2, at: 117 },
      { type: 'resume', seq: 3, at: 118 },
      // wait_for_trigger with a timeout that stops the run.
      { type: 'advance', seq: 3, cursor: { frames: [{ list: 'actions', index: 3 }] }, steps: [{ path: 'actions[2]', kind: 'wait_for_trigger', status: 'waiting', attempts: 1, startedAt: 119, endedAt: 119 }], next: { status: 'waiting', wakeAt: 1_000, wait: { kind: 'trigger', path: 'actions[2]', keys: ['trigger:incident.resolved'], since: 119, timeoutAt: 1_000, continueOnTimeout: false } }, at: 119 },
      { type: 'wake', dueAt: 1_000, at: 1_000 },
      { type: 'resume', seq: 4, at: 1_001 },
      { type: 'advance', seq: 2, cursor: { frames: [] }, steps: [{ path: 'actions[1]', kind: 'action', status: 'failed', attempts: 3, startedAt: 116, endedAt: 117, error: 'HTTP 500' }], next: { status: 'failed', reason: 'actions[1]: HTTP 500' }, at: 117 },
      { type: 'cancel', reason: 'too late', at: 118 },
    ],
  },
  automation_schedule: {
    id: 'nightly-report:nightly',
    events: [
      { type: 'tick', dueAt: 5, at: 6 },
      // Not this entity's automation trigger: refused.
      { type: 'configure', automationId: 'other', triggerId: 'nightly', automationVersion: 1, schedule: { kind: 'interval', everyMs: 60_000 }, at: 7 },
      { type: 'configure', automationId: 'nightly-report', triggerId: 'nightly', automationVersion: 2, schedule: { kind: 'cron', cron: '30 2 * * *', timezone: 'Europe/Berlin' }, at: utc('2026-03-27T12:00') },
      // The same schedule from a newer automation version: the pending occurrence stays.
      { type: 'configure', automationId: 'nightly-report', triggerId: 'nightly', automationVersion: 3, schedule: { kind: 'cron', cron: '30 2 * * *', timezone: 'Europe/Berlin' }, at: utc('2026-03-27T13:00') },
      // An older version: refused.
      { type: 'configure', automationId: 'nightly-report', triggerId: 'nightly', automationVersion: 2, schedule: { kind: 'cron', cron: '@hourly' }, at: utc('2026-03-27T14:00') },
      { type: 'tick', dueAt: utc('2026-03-28T01:30'), at: utc('2026-03-28T01:29') },
      { type: 'tick', dueAt: utc('2026-03-28T01:00'), at: utc('2026-03-28T01:31') },
      { type: 'tick', dueAt: utc('2026-03-28T01:30'), at: utc('2026-03-28T01:30') + 40 },
      // Late after an outage (02:30 fell into the DST gap, so it was due at 03:30 CEST): fired once, then the next one after `at`.
      { type: 'tick', dueAt: utc('2026-03-29T01:30'), at: utc('2026-04-02T10:00') },
      { type: 'configure', automationId: 'nightly-report', triggerId: 'nightly', automationVersion: 4, schedule: { kind: 'interval', everyMs: 3_600_000 }, at: utc('2026-04-02T10:15') },
      { type: 'stop', automationId: 'nightly-report', triggerId: 'nightly', automationVersion: 5, reason: 'the automation was disabled', at: utc('2026-04-02T10:20') },
      { type: 'tick', dueAt: utc('2026-04-02T11:00'), at: utc('2026-04-02T11:00') },
      { type: 'configure', automationId: 'nightly-report', triggerId: 'nightly', automationVersion: 4, schedule: { kind: 'interval', everyMs: 3_600_000 }, at: utc('2026-04-02T11:01') },
      { type: 'stop', automationId: 'nightly-report', triggerId: 'nightly', automationVersion: 6, reason: 'the trigger was removed', at: utc('2026-04-02T11:02') },
      { type: 'configure', automationId: 'nightly-report', triggerId: 'nightly', automationVersion: 7, schedule: { kind: 'cron', cron: '@daily' }, at: utc('2026-04-02T11:03') },
    ],
  },
  automation_dwell: {
    id: 'auto-open:degraded:shop',
    events: [
      { type: 'disarm', episode: 1, reason: 'never armed', at: 1 },
      // Episode 1: armed by version 3 (at 30): deadline 130.
      { type: 'arm', automationId: 'auto-open', triggerId: 'degraded', forMs: 100, trigger: firedTrigger('shop', 3), replaces: 0, at: 31 },
      // A stale arm (an older change of the entity): refused.
      { type: 'arm', automationId: 'auto-open', triggerId: 'degraded', forMs: 100, trigger: firedTrigger('shop', 2), replaces: 1, at: 32 },
      { type: 'due', dueAt: 50, at: 60 },
      { type: 'due', dueAt: 130, at: 129 },
      { type: 'disarm', episode: 1, reason: 'the system is healthy', at: 40 },
      // Episode 2 (version 5), replaced by episode 3 (version 7, deadline 170): the entity left and came back.
      { type: 'arm', automationId: 'auto-open', triggerId: 'degraded', forMs: 100, trigger: firedTrigger('shop', 5), replaces: 1, at: 51 },
      { type: 'arm', automationId: 'auto-open', triggerId: 'degraded', forMs: 100, trigger: firedTrigger('shop', 7), replaces: 2, at: 71 },
      // Decided on episode 2 while episode 3 started meanwhile (another node): refused.
      { type: 'arm', automationId: 'auto-open', triggerId: 'degraded', forMs: 100, trigger: firedTrigger('shop', 8), replaces: 2, at: 72 },
      { type: 'disarm', episode: 2, reason: 'late disarm of an older episode', at: 72 },
      { type: 'due', dueAt: 170, at: 180 },
      { type: 'arm', automationId: 'auto-open', triggerId: 'degraded', forMs: 100, trigger: firedTrigger('shop', 7), replaces: 2, at: 181 },
      { type: 'settle', episode: 3, outcome: 'fired', at: 182 },
      { type: 'settle', episode: 3, outcome: 'fired', at: 183 },
      // Episode 4: lapsed at its deadline (the engine found the state left in between).
      { type: 'arm', automationId: 'auto-open', triggerId: 'degraded', forMs: 100, trigger: firedTrigger('shop', 9), replaces: 3, at: 200 },
      { type: 'due', dueAt: 190, at: 300 },
      // Episode 5 replaces the elapsed episode 4 (it left and came back): 4 can no longer settle.
      { type: 'arm', automationId: 'auto-open', triggerId: 'degraded', forMs: 100, trigger: firedTrigger('shop', 11), replaces: 4, at: 310 },
      { type: 'settle', episode: 4, outcome: 'fired', at: 311 },
      { type: 'due', dueAt: 210, at: 400 },
      { type: 'settle', episode: 5, outcome: 'lapsed', reason: 'the system was healthy at version 12', at: 401 },
    ],
  },
  automation_window: {
    id: 'flapping:changes:shop',
    events: [
      ...[1_000, 2_000, 3_000, 4_000].map((at, index) => occur(`health:shop:${index + 1}`, at, 'once')),
      // A redelivered occurrence: refused.
      occur('health:shop:2', 2_000, 'once'),
      // 61 s later the window has emptied: counting starts over, and the third fires again.
      ...[65_000, 66_000, 67_000].map((at, index) => occur(`health:shop:${index + 5}`, at, 'once')),
      // every: each event from the third on fires.
      ...[200_000, 201_000, 202_000, 203_000].map((at, index) => occur(`health:shop:${index + 8}`, at, 'every')),
    ],
  },
  satellite: {
    id: 'sat-eu',
    events: [
      { type: 'connect', session: { node: 'node-1', id: 's0' }, at: 1 },
      { type: 'register', name: 'eu-1', region: 'eu-west', at: 10 },
      { type: 'disconnect', at: 11 },
      { type: 'heartbeat_timeout', dueAt: 10, at: 12 },
      { type: 'connect', session: { node: 'node-1', id: 's1' }, at: 1_000 },
      // The satellite moved to node-2; the close of its old socket on node-1 must not disconnect it.
      { type: 'connect', session: { node: 'node-2', id: 's2' }, at: 1_200 },
      { type: 'disconnect', sessionId: 's1', at: 1_300 },
      { type: 'heartbeat', at: 20_000 },
      { type: 'heartbeat_timeout', dueAt: 46_000, at: 46_000 },
      { type: 'heartbeat_timeout', dueAt: 65_000, at: 64_999 },
      { type: 'update', region: 'eu-central', heartbeatThresholdMs: 30_000, at: 21_000 },
      { type: 'heartbeat_timeout', dueAt: 50_000, at: 50_500 },
      { type: 'heartbeat_timeout', dueAt: 50_000, at: 51_000 },
      { type: 'disconnect', sessionId: 's2', at: 52_000 },
      { type: 'heartbeat', at: 60_000 },
      { type: 'disconnect', at: 70_000 },
      { type: 'connect', at: 80_000 },
      { type: 'connect', session: { node: 'node-1', id: 's3' }, at: 81_000 },
      { type: 'disconnect', sessionId: 's3', at: 82_000 },
      { type: 'disconnect', sessionId: 's3', at: 82_500 },
      { type: 'remove', at: 90_000 },
      { type: 'connect', at: 91_000 },
    ],
  },
};
