import { beforeAll, describe, expect, it } from 'vitest';
import type { AutomationRunState } from '../../machines/index.ts';
import { useTestNode } from '../support/fixtures.ts';
import { waitFor } from '../support/stream-reader.ts';

const fixture = useTestNode();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const dispatch = (kind: string, id: string, event: Record<string, unknown>) => fixture.node.router.dispatch(kind, id, event);
const save = (definition: Record<string, unknown>) => dispatch('automation', String(definition.id), { type: 'save', definition });

async function runsOf(automationId: string): Promise<AutomationRunState[]> {
  const rows = await fixture.node.database.query<{ state: AutomationRunState }>(
    `select state from entity_state where kind = 'automation_run' and state->>'automationId' = ? order by id`,
    [automationId],
  );
  return rows.map((row) => row.state);
}

const runFor = async (automationId: string, contextValue: string) => (await runsOf(automationId)).find((run) => run.trigger?.contextValue === contextValue);

/** When the run's wait on `path` ended, from its step traces. */
const waitTrace = (run: AutomationRunState, kind: string) => run.steps.filter((step) => step.kind === kind).at(-1);

beforeAll(async () => {
  await dispatch('system', 'shop', { type: 'create', name: 'shop' });
  // Opened incidents wait until they are resolved, then log: woken by the resolve, no polling.
  await save({
    id: 'until-resolved',
    name: 'wait until resolved',
    mode: 'parallel',
    scope: 'context',
    triggers: [{ id: 'opened', event: 'incident.created', filter: 'trigger.payload.title.startsWith("until")' }],
    actions: [
      { wait_until: { conditions: ['state.incident[trigger.payload.incidentId].status == "resolved"'], timeout: '30s' } },
      { action: 'automation.log', config: { message: 'resolved: {{ wait.completed }}' } },
    ],
  });
  await save({
    id: 'until-timeout',
    name: 'wait until resolved, at most 1 s',
    scope: 'context',
    triggers: [{ id: 'opened', event: 'incident.created', filter: 'trigger.payload.title.startsWith("timeout")' }],
    actions: [
      { wait_until: { conditions: ['state.incident[trigger.payload.incidentId].status == "resolved"'], timeout: '1s', continue_on_timeout: false } },
      { action: 'automation.log', config: { message: 'never reached' } },
    ],
  });
  // restart: a second rename cancels the waiting run; the awaited event later must not revive it.
  await save({
    id: 'await-incident',
    name: 'wait for the next incident',
    mode: 'restart',
    triggers: [{ id: 'renamed', event: 'catalog.updated' }],
    actions: [
      { wait_for_trigger: { event: 'incident.created', filter: 'trigger.payload.title == "awaited " + run_trigger.payload.systemName' } },
      { action: 'automation.log', config: { message: 'saw {{ wait.trigger.payload.title }}' } },
    ],
  });
  await sleep(300);
});

describe('wait steps', () => {
  it('wait_until on state.incident.<id>.status == "resolved" wakes on the resolve', async () => {
    await dispatch('incident', 'INC-W1', { type: 'create', title: 'until one', severity: 'minor', systemIds: ['shop'] });
    await waitFor(async () => (await runFor('until-resolved', 'INC-W1'))?.status === 'waiting', 10_000, 'the run waiting');
    const waiting = (await runFor('until-resolved', 'INC-W1'))!;
    expect(waiting.wait).toMatchObject({ kind: 'until', keys: ['entity:incident:INC-W1'] });
    await sleep(500);
    expect((await runFor('until-resolved', 'INC-W1'))!.status).toBe('waiting');

    const resolvedAt = Date.now();
    await dispatch('incident', 'INC-W1', { type: 'resolve', message: 'fixed' });
    await waitFor(async () => (await runFor('until-resolved', 'INC-W1'))?.status === 'succeeded', 10_000, 'the run resumed and finished');
    const run = (await runFor('until-resolved', 'INC-W1'))!;
    expect(waitTrace(run, 'wait_until')).toMatchObject({ status: 'succeeded', output: { completed: true } });
    // Woken by the change, not by its 30 s timeout.
    expect(waitTrace(run, 'wait_until')!.endedAt - resolvedAt).toBeLessThan(5_000);
    expect(run.steps.at(-1)).toMatchObject({ kind: 'action', status: 'succeeded' });
  });

  it('wait_until whose condition already holds goes on at once', async () => {
    await dispatch('incident', 'INC-W2', { type: 'create', title: 'until two', severity: 'minor', systemIds: ['shop'] });
    await dispatch('incident', 'INC-W2', { type: 'resolve', message: 'fixed at once' });
    await waitFor(async () => (await runFor('until-resolved', 'INC-W2'))?.status === 'succeeded', 10_000, 'the run finished');
  });

  it('wait_until that times out with continue_on_timeout: false stops the run', async () => {
    await dispatch('incident', 'INC-W3', { type: 'create', title: 'timeout three', severity: 'minor', systemIds: ['shop'] });
    await waitFor(async () => (await runFor('until-timeout', 'INC-W3'))?.status === 'stopped', 10_000, 'the run stopped');
    const run = (await runFor('until-timeout', 'INC-W3'))!;
    expect(run.reason).toContain('timed out');
    expect(run.steps.filter((step) => step.kind === 'action')).toHaveLength(0);
    expect(waitTrace(run, 'wait_until')!.endedAt - waitTrace(run, 'wait_until')!.startedAt).toBeGreaterThanOrEqual(1_000);
  });

  it('wait_for_trigger resumes on the matching event; a restarted run stays cancelled when its event arrives', async () => {
    await dispatch('system', 'shop', { type: 'update', name: 'first' });
    await waitFor(async () => (await runsOf('await-incident')).some((run) => run.status === 'waiting'), 10_000, 'the first run waiting');
    await dispatch('system', 'shop', { type: 'update', name: 'second' });
    await waitFor(async () => (await runsOf('await-incident')).filter((run) => run.status === 'waiting').length === 1 && (await runsOf('await-incident')).length === 2, 10_000, 'the second run waiting');
    // The event the first run waited for, then a non-matching one, then the second run's.
    await dispatch('incident', 'INC-A1', { type: 'create', title: 'awaited first', severity: 'minor', systemIds: ['shop'] });
    await dispatch('incident', 'INC-A2', { type: 'create', title: 'unrelated', severity: 'minor', systemIds: ['shop'] });
    await sleep(1_000);
    let runs = await runsOf('await-incident');
    const first = runs.find((run) => run.trigger!.payload.systemName === 'first')!;
    expect(first.status).toBe('cancelled');
    expect(runs.find((run) => run.trigger!.payload.systemName === 'second')!.status).toBe('waiting');

    await dispatch('incident', 'INC-A3', { type: 'create', title: 'awaited second', severity: 'minor', systemIds: ['shop'] });
    await waitFor(async () => (await runsOf('await-incident')).some((run) => run.status === 'succeeded'), 10_000, 'the second run resumed');
    runs = await runsOf('await-incident');
    const second = runs.find((run) => run.trigger!.payload.systemName === 'second')!;
    expect(second.variables.wait).toMatchObject({ completed: true, trigger: { payload: { title: 'awaited second' } } });
    expect(runs.find((run) => run.trigger!.payload.systemName === 'first')!.status).toBe('cancelled');
  });
});
