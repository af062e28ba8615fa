import { describe, expect, it } from 'vitest';
import type { AutomationRunState, AutomationScheduleState } from '../../machines/index.ts';
import { connectClients, startCluster } from '../support/cluster.ts';
import { useIsolation } from '../support/fixtures.ts';
import { waitFor } from '../support/stream-reader.ts';
import { scaled } from '../support/time-scale.ts';

const isolation = useIsolation();
const log = { action: 'automation.log', config: { message: 'tick {{ trigger.payload.scheduledAt }}' } };

describe('schedule triggers on a 2-node cluster', () => {
  it('automation.interval fires each occurrence once for the cluster, only to its own trigger, and stops with the automation', async () => {
    const nodes = await startCluster({ databaseUrl: isolation.databaseUrl, namespace: isolation.namespace, size: 2, leaseTtlMs: 2000 });
    isolation.defer(() => Promise.all(nodes.map((node) => node.kill('SIGKILL'))));
    const { db, command: send } = await connectClients(isolation);
    const command = async (kind: string, id: string, event: unknown) => {
      const reply = await send(kind, id, event);
      if (!reply.ok) throw new Error(`${kind} ${id}: ${JSON.stringify(reply)}`);
    };
    const schedules = async () =>
      new Map((await db.query(`select id, state from entity_state where kind = 'automation_schedule'`)).rows.map((row) => [row.id as string, row.state as AutomationScheduleState]));
    const runs = async () => (await db.query(`select state from entity_state where kind = 'automation_run'`)).rows.map((row) => row.state as AutomationRunState);

    // Two automations on the same trigger event: one clock each, and one with two clocks.
    await command('automation', 'every-second', {
      type: 'save',
      definition: { id: 'every-second', name: 'every second', mode: 'parallel', triggers: [{ id: 'tick', event: 'automation.interval', every: '1s' }], actions: [log] },
    });
    await command('automation', 'two-clocks', {
      type: 'save',
      definition: {
        id: 'two-clocks',
        name: 'two clocks',
        mode: 'parallel',
        triggers: [{ id: 'fast', event: 'automation.interval', every: '1s' }, { id: 'slow', event: 'automation.interval', every: '2s' }],
        actions: [log],
      },
    });
    const ids = ['every-second:tick', 'two-clocks:fast', 'two-clocks:slow'];
    await waitFor(async () => {
      const all = await schedules();
      return ids.every((id) => all.get(id)?.status === 'armed');
    }, 10_000, 'the keeper armed the three schedules');

    await waitFor(async () => ((await schedules()).get('every-second:tick')?.fired ?? 0) >= 5, 10_000, 'five occurrences of every-second');
    const stopRequestedAt = Date.now();
    await command('automation', 'every-second', { type: 'disable' });
    await command('automation', 'two-clocks', { type: 'delete' });
    const stopped = await waitFor(async () => {
      const all = await schedules();
      return ids.every((id) => all.get(id)?.status === 'stopped') ? all : undefined;
    }, 10_000, 'the keeper stopped the schedules');
    expect(stopped.get('every-second:tick')!.stopReason).toBe('the automation was disabled');
    expect(stopped.get('two-clocks:slow')!.stopReason).toBe('the automation was deleted');
    // Let the last trigger events and runs settle.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const settled = await waitFor(async () => {
      const all = await runs();
      return all.every((run) => !['running', 'waiting'].includes(run.status)) ? all : undefined;
    }, 10_000, 'every run ended');

    const ticks = (await db.query(`select id, event from entity_transitions where kind = 'automation_schedule' and event->>'type' = 'tick' order by id, version`)).rows;
    for (const id of ids) {
      const schedule = stopped.get(id)!;
      const due = ticks.filter((tick) => tick.id === id).map((tick) => Number(tick.event.dueAt));
      expect(due, id).toHaveLength(schedule.fired);
      const everyMs = id === 'two-clocks:slow' ? 2000 : 1000;
      for (const [index, dueAt] of due.entries()) {
        expect(dueAt % everyMs, `${id}: occurrences on the epoch grid`).toBe(0);
        if (index > 0) expect(dueAt, `${id}: occurrences increase`).toBeGreaterThan(due[index - 1]!);
      }
      // Never two runs for one occurrence, never a run without one, never another trigger's.
      const ownRuns = settled.filter((run) => run.trigger?.contextValue === id);
      const scheduledAt = ownRuns.map((run) => run.trigger!.payload.scheduledAt as number);
      expect(new Set(scheduledAt).size, `${id}: one run per occurrence at most`).toBe(scheduledAt.length);
      for (const at of scheduledAt) expect(due, `${id}: run for a committed occurrence`).toContain(at);
      for (const run of ownRuns) expect([run.automationId, run.trigger!.id, run.trigger!.event]).toEqual([schedule.automationId, schedule.triggerId, 'automation.interval']);
      // Occurrences well before the stop each ran (one at the stop may be dropped or cancelled with it).
      for (const at of due.filter((dueAt) => dueAt < stopRequestedAt - 1000)) {
        expect(ownRuns.filter((run) => run.trigger!.payload.scheduledAt === at).map((run) => run.status), `${id}: the run of ${at}`).toEqual(['succeeded']);
      }
    }
    // About one tick per second: timers fire on time, so the catch-up rule skips nothing on a
    // quiet cluster (one skip tolerated for a loaded machine).
    const everySecond = ticks.filter((tick) => tick.id === 'every-second:tick').map((tick) => Number(tick.event.dueAt));
    expect(everySecond.length).toBeGreaterThanOrEqual((everySecond.at(-1)! - everySecond[0]!) / 1000);

    // Stopped for good: no tick and no run after the stop.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect([...(await schedules()).values()].map((schedule) => schedule.fired)).toEqual([...stopped.values()].map((schedule) => schedule.fired));
    expect(await runs()).toHaveLength(settled.length);
  }, scaled(60_000));
});
