import { beforeAll, describe, expect, it } from 'vitest';
import type { AutomationRunState, AutomationWindowState, TriggerMessage } from '../../machines/index.ts';
import { useTestNode } from '../support/fixtures.ts';
import { waitFor } from '../support/stream-reader.ts';

const fixture = useTestNode();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Renames a system: one `catalog.updated` trigger event each. */
const rename = (systemId: string, name: string) => fixture.node.router.dispatch('system', systemId, { type: 'update', name });

async function runsOf(automationId: string): Promise<AutomationRunState[]> {
  const rows = await fixture.node.database.query<{ state: AutomationRunState }>(
    `select state from entity_state where kind = 'automation_run' and state->>'automationId' = ? order by id`,
    [automationId],
  );
  return rows.map((row) => row.state);
}

const windowOf = async (id: string) => (await fixture.node.runtime.get('automation_window', id)).state as AutomationWindowState | null;

/** Three renames within 30 s, per system. */
const counted = (id: string, refire: 'once' | 'every', systems: string[]) => ({
  id,
  name: `${refire}: three renames within 30 s`,
  mode: 'parallel',
  max: 100,
  triggers: [
    {
      id: 'renamed',
      event: 'catalog.updated',
      filter: `trigger.payload.systemId in ${JSON.stringify(systems)}`,
      window: { count: 3, within: '30s', refire, partition_by: 'trigger.payload.systemId' },
    },
  ],
  actions: [{ action: 'automation.log', config: { message: '{{ trigger.payload.systemId }} renamed often' } }],
});

beforeAll(async () => {
  for (const id of ['once-a', 'once-b', 'every-a', 'redelivered']) await fixture.node.router.dispatch('system', id, { type: 'create', name: id });
  for (const definition of [counted('renamed-once', 'once', ['once-a', 'once-b', 'redelivered']), counted('renamed-every', 'every', ['every-a'])]) {
    await fixture.node.router.dispatch('automation', definition.id, { type: 'save', definition });
  }
  await sleep(300);
});

describe('trigger `window` (N events within a duration, per partition)', () => {
  it('once: fires exactly at the Nth event of a partition, not again while the window stays full; partitions count apart', async () => {
    for (let index = 1; index <= 5; index++) await rename('once-a', `a${index}`);
    for (let index = 1; index <= 2; index++) await rename('once-b', `b${index}`);
    await waitFor(async () => (await windowOf('renamed-once:renamed:once-b'))?.occurrences.length === 2, 10_000, 'every event counted');
    await waitFor(async () => (await windowOf('renamed-once:renamed:once-a'))?.lastDecision?.inWindow === 3 && (await windowOf('renamed-once:renamed:once-a'))?.fired === 1, 10_000, 'the window of once-a');
    await waitFor(async () => (await runsOf('renamed-once')).some((run) => run.status === 'succeeded'), 10_000, 'the run');
    await sleep(500);
    const runs = await runsOf('renamed-once');
    expect(runs).toHaveLength(1);
    expect(runs[0]!.trigger!.payload).toMatchObject({ systemId: 'once-a', systemName: 'a3' });
    expect((await windowOf('renamed-once:renamed:once-b'))!.fired).toBe(0);
  });

  it('every: fires on each event from the Nth on', async () => {
    for (let index = 1; index <= 5; index++) await rename('every-a', `e${index}`);
    await waitFor(async () => (await runsOf('renamed-every')).filter((run) => run.status === 'succeeded').length === 3, 10_000, 'three runs');
    await sleep(500);
    const runs = await runsOf('renamed-every');
    expect(runs.map((run) => run.trigger!.payload.systemName).sort()).toEqual(['e3', 'e4', 'e5']);
  });

  it('a redelivered event is counted once', async () => {
    await rename('redelivered', 'r1');
    await rename('redelivered', 'r2');
    await waitFor(async () => (await windowOf('renamed-once:renamed:redelivered'))?.occurrences.length === 2, 10_000, 'two events counted');
    // The second event again, as JetStream redelivers it after a router crash: the same source change.
    const system = await fixture.node.runtime.get('system', 'redelivered');
    const message: TriggerMessage = {
      trigger: 'catalog.updated',
      contextKey: 'systemId',
      contextValue: 'redelivered',
      payload: { systemId: 'redelivered', systemName: 'r2' },
      source: { kind: 'system', id: 'redelivered', version: system.version },
      at: Date.now(),
    };
    for (let copy = 0; copy < 3; copy++) await fixture.node.bus.js.publish(fixture.node.bus.subjects.trigger(message.trigger), JSON.stringify(message));
    await sleep(1_000);
    const window = (await windowOf('renamed-once:renamed:redelivered'))!;
    expect(window.occurrences).toHaveLength(2);
    expect(window.fired).toBe(0);
    expect((await runsOf('renamed-once')).filter((run) => run.trigger!.contextValue === 'redelivered')).toHaveLength(0);
    // The third real event reaches the count.
    await rename('redelivered', 'r3');
    await waitFor(async () => (await runsOf('renamed-once')).some((run) => run.trigger!.contextValue === 'redelivered'), 10_000, 'the run at the third event');
  });
});
