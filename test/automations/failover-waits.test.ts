import { describe, expect, it } from 'vitest';
import type { AutomationDwellState, AutomationRunState } from '../../machines/index.ts';
import { dwellIdFor } from '../../automations/engine/scope-id.ts';
import { auditFencing, idsOwnedBy, startClusterWithClients } from '../support/cluster.ts';
import { useIsolation } from '../support/fixtures.ts';
import { waitFor } from '../support/stream-reader.ts';
import { scaled } from '../support/time-scale.ts';

const isolation = useIsolation();
const LEASE_TTL_MS = 2000;
const FOR_MS = 4000;

describe('for: deadlines and wait_until runs when the node holding them is killed', () => {
  it('a for: deadline fires on another node (never early, one run and one incident per episode); a wait_until run resumes there once', async () => {
    const { nodes, db, command, internalCommand } = await startClusterWithClients(isolation, { size: 2, leaseTtlMs: LEASE_TTL_MS });

    // Systems whose dwell lives in a partition node-1 owns: node-1 holds their deadline timers,
    // and is the node killed.
    const candidates = Array.from({ length: 200 }, (_, index) => `sys${index}`);
    const owned = new Set(await idsOwnedBy(db, 'node-1', 'automation_dwell', candidates.map((id) => dwellIdFor('hold-then-open', 'degraded', id))));
    const systems = candidates.filter((id) => owned.has(dwellIdFor('hold-then-open', 'degraded', id))).slice(0, 8);
    expect(systems.length).toBeGreaterThan(3);
    for (const id of systems) await command('system', id, { type: 'create', name: id });
    await command('automation', 'hold-then-open', {
      type: 'save',
      definition: {
        id: 'hold-then-open',
        name: 'degraded for 4 s: open an incident',
        scope: 'context',
        triggers: [{ id: 'degraded', event: 'healthcheck.system.degraded', for: `${FOR_MS}ms` }],
        actions: [{ action: 'incident.create', config: { title: '{{ trigger.payload.systemId }} degraded', systemIds: ['{{ trigger.payload.systemId }}'], dedupe_open_for_system: true } }],
      },
    });
    // Runs waiting until their incident is monitored, held by node-1 (scope context: one run per incident).
    const incidentIds = candidates.map((id) => `INC-${id}`);
    const ownedRuns = new Set(await idsOwnedBy(db, 'node-1', 'automation_run', incidentIds.map((id) => `note-monitoring:${id}:r1`)));
    const waitingIncidents = incidentIds.filter((id) => ownedRuns.has(`note-monitoring:${id}:r1`)).slice(0, 4);
    expect(waitingIncidents.length).toBeGreaterThan(1);
    await command('automation', 'note-monitoring', {
      type: 'save',
      definition: {
        id: 'note-monitoring',
        name: 'note when an incident is monitored',
        scope: 'context',
        triggers: [{ id: 'opened', event: 'incident.created', filter: 'trigger.payload.title == "watched"' }],
        actions: [
          { wait_until: { conditions: ['state.incident[trigger.payload.incidentId].status == "monitoring"'], timeout: '60s' } },
          { action: 'incident.add_update', config: { incidentId: '{{ trigger.payload.incidentId }}', message: 'the automation saw it monitored' } },
        ],
      },
    });
    // Let every node's router learn of the automations before the first trigger.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const id of waitingIncidents) await command('incident', id, { type: 'create', title: 'watched', severity: 'minor', systemIds: [systems[0]!] });
    for (const id of systems) {
      await internalCommand('health', id, { type: 'check_result', checkId: 'ping', source: 'test', success: false, thresholds: { healthyAfter: 1, degradedAfter: 1, unhealthyAfter: 1000 } });
    }

    const dwells = async () =>
      (await db.query(`select state from entity_state where kind = 'automation_dwell'`)).rows.map((row) => row.state as AutomationDwellState);
    await waitFor(async () => (await dwells()).filter((dwell) => dwell.status === 'armed').length === systems.length, 20_000, 'every dwell armed');
    const waitingRuns = async () =>
      (await db.query(`select state from entity_state where kind = 'automation_run' and state->>'automationId' = 'note-monitoring'`)).rows.map((row) => row.state as AutomationRunState);
    await waitFor(async () => (await waitingRuns()).filter((run) => run.status === 'waiting').length === waitingIncidents.length, 20_000, 'every wait_until run waiting');
    const deadlines = new Map((await dwells()).map((dwell) => [dwell.trigger!.contextValue, dwell.deadline!]));
    await nodes[0]!.kill('SIGKILL');

    const runs = async () =>
      (await db.query(`select state from entity_state where kind = 'automation_run' and state->>'automationId' = 'hold-then-open'`)).rows.map((row) => row.state as AutomationRunState);
    const done = await waitFor(async () => {
      const all = await runs();
      return all.length === systems.length && all.every((run) => run.status === 'succeeded') ? all : undefined;
    }, 40_000, 'every run succeeded after the kill');
    const lateness = done.map((run) => run.startedAt - deadlines.get(run.trigger!.contextValue)!);
    for (const late of lateness) {
      expect(late).toBeGreaterThanOrEqual(0); // never early
      expect(late).toBeLessThan(LEASE_TTL_MS + 5_000); // late by the failover, not more
    }
    console.log(`for: runs started ${Math.min(...lateness)}-${Math.max(...lateness)} ms after their deadlines (node-1 killed)`);

    const dues = (await db.query(`select at, committed_by, event from entity_transitions where kind = 'automation_dwell' and event->>'type' = 'due'`)).rows;
    expect(dues).toHaveLength(systems.length);
    for (const due of dues) {
      expect(Number(due.at)).toBeGreaterThanOrEqual(Number(due.event.dueAt));
      expect(due.committed_by).toBe('node-2');
    }
    expect((await dwells()).every((dwell) => dwell.status === 'idle' && dwell.last?.outcome === 'fired')).toBe(true);
    const incidents = (await db.query(`select state from entity_state where kind = 'incident' and state->>'title' <> 'watched'`)).rows;
    expect(incidents.map((row) => row.state.systemIds[0]).sort()).toEqual([...systems].sort());

    // The waiting runs now live on node-2: a change made there wakes each of them, once.
    for (const id of waitingIncidents) await command('incident', id, { type: 'post_update', message: 'watching the fix', status: 'monitoring' });
    await waitFor(async () => (await waitingRuns()).every((run) => run.status === 'succeeded'), 20_000, 'every wait_until run resumed and finished');
    for (const id of waitingIncidents) {
      const state = (await db.query(`select state from entity_state where kind = 'incident' and id = $1`, [id])).rows[0].state as { updates: Array<{ message: string }> };
      expect(state.updates.filter((update) => update.message === 'the automation saw it monitored')).toHaveLength(1);
    }
    const resumes = (await db.query(`select committed_by from entity_transitions where kind = 'automation_run' and event->>'type' = 'resume'`)).rows;
    expect(resumes.map((row) => row.committed_by)).toEqual(waitingIncidents.map(() => 'node-2'));
    expect(await auditFencing(isolation.databaseUrl, 32)).toEqual([]);
  }, scaled(120_000));
});
