import { beforeAll, describe, expect, it } from 'vitest';
import type { AutomationRunState, AutomationScopeState } from '../../machines/index.ts';
import { useTestNode } from '../support/fixtures.ts';
import { waitFor } from '../support/stream-reader.ts';

const fixture = useTestNode();

/** Saves an automation the way `vigil automation apply` does (through the cluster). */
async function save(definition: Record<string, unknown>) {
  await fixture.node.router.dispatch('automation', String(definition.id), { type: 'save', definition });
}

async function runsOf(automationId: string): Promise<AutomationRunState[]> {
  const rows = await fixture.node.database.query<{ state: AutomationRunState }>(
    `select state from entity_state where kind = 'automation_run' and state->>'automationId' = ? order by id`,
    [automationId],
  );
  return rows.map((row) => row.state);
}

async function scope(scopeId: string): Promise<AutomationScopeState> {
  return (await fixture.node.runtime.get('automation_scope', scopeId)).state as AutomationScopeState;
}

/** Renames a system: one `catalog.updated` trigger event each. */
const touch = (systemId: string, name: string) => fixture.node.router.dispatch('system', systemId, { type: 'update', name });

const finished = (runs: AutomationRunState[]) => runs.filter((run) => !['running', 'waiting'].includes(run.status));

beforeAll(async () => {
  for (const id of ['alpha', 'beta', 'gamma', 'delta', 'epsilon']) await fixture.node.router.dispatch('system', id, { type: 'create', name: id });
});

const onUpdateOf = (systemId: string) => ({ id: 'updated', event: 'catalog.updated', filter: `trigger.payload.systemId == "${systemId}"` });

describe('automation modes (decided atomically by the scope entity)', () => {
  it('single: two simultaneous fires start exactly one run; the other is dropped', async () => {
    await save({ id: 'single-mode', name: 'single', mode: 'single', triggers: [onUpdateOf('alpha')], actions: [{ delay: '1s' }, { action: 'automation.log', config: { message: 'ran for {{ trigger.payload.systemName }}' } }] });
    await Promise.all([touch('alpha', 'alpha one'), touch('alpha', 'alpha two')]);
    await waitFor(async () => (await scope('single-mode'))?.lastDecision !== null && (await scope('single-mode')).dropped + (await runsOf('single-mode')).length === 2, 10_000, 'both fires decided');
    await waitFor(async () => finished(await runsOf('single-mode')).length === 1, 10_000, 'the run finished');
    const runs = await runsOf('single-mode');
    expect(runs).toHaveLength(1);
    expect(runs[0]!.status).toBe('succeeded');
    expect(runs[0]!.steps.map((step) => [step.kind, step.status])).toEqual([['delay', 'succeeded'], ['action', 'succeeded']]);
    expect((await scope('single-mode')).dropped).toBe(1);
  });

  it('scope context: one run per context value', async () => {
    await save({
      id: 'per-system',
      name: 'per system',
      mode: 'single',
      scope: 'context',
      triggers: [{ id: 'updated', event: 'catalog.updated', filter: 'trigger.payload.systemId in ["beta", "gamma"]' }],
      actions: [{ delay: '1s' }],
    });
    await Promise.all([touch('beta', 'b1'), touch('beta', 'b2'), touch('gamma', 'g1'), touch('gamma', 'g2')]);
    await waitFor(async () => finished(await runsOf('per-system')).length === 2, 10_000, 'two runs finished');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const runs = await runsOf('per-system');
    expect(runs.map((run) => run.trigger!.contextValue).sort()).toEqual(['beta', 'gamma']);
    expect((await scope('per-system:beta')).dropped).toBe(1);
    expect((await scope('per-system:gamma')).dropped).toBe(1);
  });

  it('queued: runs one at a time in arrival order, up to max; the fire beyond max is dropped', async () => {
    await save({ id: 'queued-mode', name: 'queued', mode: 'queued', max: 3, triggers: [onUpdateOf('delta')], actions: [{ delay: '300ms' }] });
    for (const name of ['d1', 'd2', 'd3', 'd4']) await touch('delta', name);
    await waitFor(async () => finished(await runsOf('queued-mode')).length === 3, 15_000, 'three runs finished');
    const runs = await runsOf('queued-mode');
    expect(runs).toHaveLength(3);
    expect((await scope('queued-mode')).dropped).toBe(1);
    // FIFO: each run started after the previous one ended, in the order the system was renamed.
    const byStart = [...runs].sort((a, b) => a.startedAt - b.startedAt);
    expect(byStart.map((run) => run.trigger!.payload.systemName)).toEqual(['d1', 'd2', 'd3']);
    for (let index = 1; index < byStart.length; index++) expect(byStart[index]!.startedAt).toBeGreaterThanOrEqual(byStart[index - 1]!.endedAt!);
  });

  it('restart: a new fire cancels the active run, which stays cancelled when its timer comes due', async () => {
    await save({ id: 'restart-mode', name: 'restart', mode: 'restart', triggers: [onUpdateOf('epsilon')], actions: [{ delay: '1500ms' }, { action: 'automation.log', config: { message: 'done' } }] });
    await touch('epsilon', 'e1');
    await waitFor(async () => (await runsOf('restart-mode')).some((run) => run.status === 'waiting'), 10_000, 'first run waiting on its delay');
    await touch('epsilon', 'e2');
    await waitFor(async () => finished(await runsOf('restart-mode')).length === 2, 10_000, 'both runs ended');
    // Past the first run's delay: its wake must not revive it.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const runs = await runsOf('restart-mode');
    const first = runs.find((run) => run.trigger!.payload.systemName === 'e1')!;
    const second = runs.find((run) => run.trigger!.payload.systemName === 'e2')!;
    expect(first.status).toBe('cancelled');
    expect(first.steps.filter((step) => step.kind === 'action')).toHaveLength(0);
    expect(second.status).toBe('succeeded');
  });
});
