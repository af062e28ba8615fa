import { describe, expect, it } from 'vitest';
import { pruneEndedRuns } from '../../automations/engine/run-retention.ts';
import type { AutomationRunState } from '../../machines/index.ts';
import { useTestNode } from '../support/fixtures.ts';
import { waitFor } from '../support/stream-reader.ts';
import { DeliveryStore } from '../../persistence/index.ts';

const GONE = 'dlv_000000000000000000000000000000aa';
const KEPT = 'dlv_000000000000000000000000000000bb';

const fixture = useTestNode();

async function runs(): Promise<AutomationRunState[]> {
  const rows = await fixture.node.database.query<{ state: AutomationRunState }>(`select state from entity_state where kind = 'automation_run'`);
  return rows.map((row) => row.state);
}

const transitionsOf = async (runId: string) =>
  Number((await fixture.node.database.query<{ n: string }>(`select count(*) as n from entity_transitions where kind = 'automation_run' and id = ?`, [runId]))[0]!.n);

describe('run retention', () => {
  it('removes runs that ended before the retention, with their transitions; keeps newer and unfinished runs', async () => {
    await fixture.node.router.dispatch('system', 'kept', { type: 'create', name: 'kept' });
    await fixture.node.router.dispatch('automation', 'short', {
      type: 'save',
      definition: {
        id: 'short',
        name: 'short or long',
        mode: 'parallel',
        triggers: [{ id: 'renamed', event: 'catalog.updated' }],
        actions: [{ choose: [{ when: ['trigger.payload.systemName == "long"'], sequence: [{ delay: '60s' }] }] }, { action: 'automation.log', config: { message: 'done' } }],
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const name of ['one', 'two', 'long']) await fixture.node.router.dispatch('system', 'kept', { type: 'update', name });
    await waitFor(async () => (await runs()).filter((run) => run.status === 'succeeded').length === 2 && (await runs()).some((run) => run.status === 'waiting'), 10_000, 'two runs ended, one waiting');
    const ended = (await runs()).filter((run) => run.status === 'succeeded');
    expect(await transitionsOf(ended[0]!.runId)).toBeGreaterThan(2);
    // A delivery of an ended run (with an attempt) goes with it; one of the waiting run stays.
    const deliveries = new DeliveryStore(fixture.node.database);
    const waiting = (await runs()).find((run) => run.status === 'waiting')!;
    for (const [id, runId] of [[GONE, ended[0]!.runId], [KEPT, waiting.runId]] as const) {
      await deliveries.open({ id, runId, automationId: 'short', stepPath: 'actions[1]', action: 'notify.slack', target: 'x', maxAttempts: 1, request: {} }, Date.now());
      await deliveries.claimAttempt({ id, status: 'pending', attempts: 0, now: Date.now(), leaseUntil: Date.now(), madeBy: 'automation' });
    }

    // Ended less than an hour ago: kept.
    expect(await pruneEndedRuns(fixture.node.database, 60 * 60_000)).toBe(0);
    // As if an hour had passed.
    expect(await pruneEndedRuns(fixture.node.database, 60 * 60_000, Date.now() + 60 * 60_000 + 1)).toBe(2);
    const left = await runs();
    expect(left.map((run) => run.status)).toEqual(['waiting']);
    for (const run of ended) expect(await transitionsOf(run.runId)).toBe(0);
    expect(await deliveries.find(GONE)).toBeNull();
    expect((await deliveries.attemptsOf([GONE])).get(GONE)).toEqual([]);
    expect((await deliveries.find(KEPT))?.attempts).toBe(1);
    expect(await pruneEndedRuns(fixture.node.database, 60 * 60_000, Date.now() + 60 * 60_000 + 1)).toBe(0);
  });
});
