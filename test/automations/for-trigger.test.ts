import { beforeAll, describe, expect, it } from 'vitest';
import type { AutomationDwellState, AutomationRunState, HealthState, TriggerMessage } from '../../machines/index.ts';
import { dwellIdFor } from '../../automations/engine/scope-id.ts';
import { useTestNode } from '../support/fixtures.ts';
import { waitFor } from '../support/stream-reader.ts';

const fixture = useTestNode();
const FOR_MS = 2_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One failing (or passing) result flips the system's health (thresholds of 1). */
const report = (systemId: string, success: boolean) =>
  fixture.node.router.dispatch('health', systemId, { type: 'check_result', checkId: 'ping', source: 'test', success, thresholds: { healthyAfter: 1, degradedAfter: 1, unhealthyAfter: 1000 } });

async function runsOf(automationId: string): Promise<AutomationRunState[]> {
  const rows = await fixture.node.database.query<{ state: AutomationRunState }>(
    `select state from entity_state where kind = 'automation_run' and state->>'automationId' = ? order by id`,
    [automationId],
  );
  return rows.map((row) => row.state);
}

const dwell = async (systemId: string) => (await fixture.node.runtime.get('automation_dwell', dwellIdFor('sustained', 'degraded', systemId))).state as AutomationDwellState | null;

/** When the system's health last became degraded (the change's time). */
async function degradedAt(systemId: string): Promise<number> {
  const rows = await fixture.node.database.query<{ at: string }>(
    `select at from entity_transitions where kind = 'health' and id = ? and next->>'status' = 'degraded' order by version desc limit 1`,
    [systemId],
  );
  return Number(rows[0]!.at);
}

beforeAll(async () => {
  await fixture.node.router.dispatch('automation', 'sustained', {
    type: 'save',
    definition: {
      id: 'sustained',
      name: 'degraded for a while',
      mode: 'parallel',
      scope: 'context',
      triggers: [{ id: 'degraded', event: 'healthcheck.system.degraded', for: `${FOR_MS}ms` }],
      actions: [{ action: 'automation.log', config: { message: '{{ trigger.payload.systemId }} degraded for a while' } }],
    },
  });
  // Let every node's directory see the automation before the first event.
  await sleep(300);
});

describe('trigger `for:` (a durable dwell per automation, trigger and entity)', () => {
  it('still degraded at the deadline: exactly one run, never early', async () => {
    await report('steady', false);
    await waitFor(async () => (await dwell('steady'))?.status === 'armed', 5_000, 'the dwell armed');
    const armed = (await dwell('steady'))!;
    const since = await degradedAt('steady');
    expect(armed.deadline).toBe(since + FOR_MS);
    // A later failing result changes the health (a new version) but not the state: no new episode.
    await report('steady', false);

    await waitFor(async () => (await runsOf('sustained')).some((run) => run.trigger?.contextValue === 'steady' && run.status === 'succeeded'), 10_000, 'the run');
    await sleep(500);
    const runs = (await runsOf('sustained')).filter((run) => run.trigger?.contextValue === 'steady');
    expect(runs).toHaveLength(1);
    expect(runs[0]!.startedAt).toBeGreaterThanOrEqual(since + FOR_MS);
    const settled = (await dwell('steady'))!;
    expect(settled.status).toBe('idle');
    expect(settled.last).toMatchObject({ episode: 1, outcome: 'fired' });
  });

  it('recovered before the deadline: the episode is disarmed and no run starts', async () => {
    await report('blip', false);
    await waitFor(async () => (await dwell('blip'))?.status === 'armed', 5_000, 'the dwell armed');
    await report('blip', true);
    await waitFor(async () => (await dwell('blip'))?.status === 'idle', 5_000, 'the dwell disarmed by the recovery');
    expect((await dwell('blip'))!.last).toMatchObject({ episode: 1, outcome: 'disarmed' });
    await sleep(FOR_MS + 1_000);
    expect((await runsOf('sustained')).filter((run) => run.trigger?.contextValue === 'blip')).toHaveLength(0);
  });

  it('a re-fire during the episode keeps its deadline', async () => {
    await report('refire', false);
    await waitFor(async () => (await dwell('refire'))?.status === 'armed', 5_000, 'the dwell armed');
    const first = (await dwell('refire'))!;
    // The same trigger again for a newer change of the entity that still holds the state: a
    // message as any publisher of the contract may send it (docs/PROTOCOL.md).
    await sleep(700);
    await report('refire', false);
    const health = await fixture.node.runtime.get('health', 'refire');
    const message: TriggerMessage = {
      trigger: 'healthcheck.system.degraded',
      contextKey: 'systemId',
      contextValue: 'refire',
      payload: { systemId: 'refire', previousStatus: 'healthy', newStatus: 'degraded', healthyChecks: 0, totalChecks: 1 },
      source: { kind: 'health', id: 'refire', version: health.version },
      at: Date.now(),
    };
    await fixture.node.bus.js.publish(fixture.node.bus.subjects.trigger(message.trigger), JSON.stringify(message));
    await sleep(300);
    const after = (await dwell('refire'))!;
    expect(after.episode).toBe(first.episode);
    expect(after.deadline).toBe(first.deadline);

    await waitFor(async () => (await runsOf('sustained')).some((run) => run.trigger?.contextValue === 'refire' && run.status === 'succeeded'), 10_000, 'the run');
    const runs = (await runsOf('sustained')).filter((run) => run.trigger?.contextValue === 'refire');
    expect(runs).toHaveLength(1);
    expect(runs[0]!.startedAt).toBeGreaterThanOrEqual(first.deadline!);
    expect(runs[0]!.startedAt).toBeLessThan(first.deadline! + 700);
  });

  it('left and entered the state again before the deadline: a new episode, one run at its own deadline', async () => {
    await report('flap', false);
    await waitFor(async () => (await dwell('flap'))?.status === 'armed', 5_000, 'the dwell armed');
    const first = (await dwell('flap'))!;
    await report('flap', true);
    await report('flap', false);
    await waitFor(async () => ((await dwell('flap'))?.episode ?? 0) > first.episode, 5_000, 'a new episode');
    const second = (await dwell('flap'))!;
    expect(second.deadline).toBeGreaterThan(first.deadline!);
    await waitFor(async () => (await runsOf('sustained')).some((run) => run.trigger?.contextValue === 'flap' && run.status === 'succeeded'), 10_000, 'the run');
    await sleep(500);
    const runs = (await runsOf('sustained')).filter((run) => run.trigger?.contextValue === 'flap');
    expect(runs).toHaveLength(1);
    expect(runs[0]!.startedAt).toBeGreaterThanOrEqual(second.deadline!);
    expect(runs[0]!.trigger!.source.version).toBe(second.trigger!.source.version);
    const health = (await fixture.node.runtime.get('health', 'flap')).state as HealthState;
    expect(health.status).toBe('degraded');
  });
});
