import { describe, expect, it } from 'vitest';
import type { AutomationRunState } from '../../machines/index.ts';
import { auditFencing, idsOwnedBy, startClusterWithClients } from '../support/cluster.ts';
import { useIsolation } from '../support/fixtures.ts';
import { waitFor } from '../support/stream-reader.ts';
import { scaled } from '../support/time-scale.ts';

const isolation = useIsolation();
const LEASE_TTL_MS = 2000;
const DELAY_MS = 4000;

describe('automation runs when the node holding them is killed', () => {
  it('a run waiting on `delay` continues on another node: never early, its effect once', async () => {
    const { nodes, db, command } = await startClusterWithClients(isolation, { size: 2, leaseTtlMs: LEASE_TTL_MS });

    // Systems whose run (`wait-then-open:<system>:r1`) lives in a partition node-1 owns: node-1
    // holds their delay timers, and is the node killed.
    const candidates = Array.from({ length: 200 }, (_, index) => `sys${index}`);
    const ownedRuns = new Set(await idsOwnedBy(db, 'node-1', 'automation_run', candidates.map((id) => `wait-then-open:${id}:r1`)));
    const systems = candidates.filter((id) => ownedRuns.has(`wait-then-open:${id}:r1`)).slice(0, 8);
    expect(systems.length).toBeGreaterThan(3);
    for (const id of systems) await command('system', id, { type: 'create', name: id });
    await command('automation', 'wait-then-open', {
      type: 'save',
      definition: {
        id: 'wait-then-open',
        name: 'wait, then open an incident',
        scope: 'context',
        triggers: [{ id: 'renamed', event: 'catalog.updated' }],
        actions: [
          { delay: `${DELAY_MS}ms` },
          { action: 'incident.create', config: { title: '{{ trigger.payload.systemName }}', systemIds: ['{{ trigger.payload.systemId }}'], dedupe_open_for_system: true } },
        ],
      },
    });
    // Let every node's router learn of the automation before the first trigger.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const id of systems) await command('system', id, { type: 'update', name: `${id} renamed` });

    const runs = async () =>
      (await db.query(`select state from entity_state where kind = 'automation_run' and state->>'automationId' = 'wait-then-open'`)).rows.map((row) => row.state as AutomationRunState);
    await waitFor(async () => (await runs()).filter((run) => run.status === 'waiting').length === systems.length, 20_000, 'every run waiting on its delay');
    await nodes[0]!.kill('SIGKILL');

    const done = await waitFor(async () => {
      const all = await runs();
      return all.length === systems.length && all.every((run) => run.status === 'succeeded') ? all : undefined;
    }, 40_000, 'every run succeeded after the kill');
    for (const run of done) {
      const [delay, open] = run.steps;
      expect(delay!.kind).toBe('delay');
      // The step after the delay ran no earlier than the delay's end.
      expect(open!.startedAt).toBeGreaterThanOrEqual(delay!.startedAt + DELAY_MS);
      expect(open!.status).toBe('succeeded');
    }
    const wakes = (await db.query(`select id, at, committed_by, event from entity_transitions where kind = 'automation_run' and event->>'type' = 'wake'`)).rows;
    expect(wakes).toHaveLength(systems.length);
    for (const wake of wakes) {
      expect(Number(wake.at)).toBeGreaterThanOrEqual(Number(wake.event.dueAt)); // never early
      expect(wake.committed_by).toBe('node-2');
    }
    // One incident per system, however many nodes touched the run.
    const incidents = (await db.query(`select id, state from entity_state where kind = 'incident'`)).rows;
    expect(incidents.map((row) => row.state.systemIds[0]).sort()).toEqual([...systems].sort());
    expect(await auditFencing(isolation.databaseUrl, 32)).toEqual([]);
  }, scaled(120_000));
});
