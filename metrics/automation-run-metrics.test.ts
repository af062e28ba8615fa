import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { EntityChange } from '../machines/index.ts';
import type { PendingCommit } from '../persistence/index.ts';
import { automationRunMetrics } from './automation-run-metrics.ts';

type Run = { automationId: string; status: string } | null;
let version = 0;
/** One committed entity with these (prev → next) transitions. */
function commit(kind: string, id: string, ...steps: Array<[Run, Run]>): PendingCommit {
  return {
    kind,
    id,
    partition: 0,
    baseVersion: version,
    transitions: steps.map(([prev, next]) => ({ change: { kind, id, version: ++version, prev, next } as unknown as EntityChange, event: {} })),
    snapshot: { value: 'x', context: {} },
    machineVersion: 1,
  };
}

async function counts(registry: Registry): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((line) => line.startsWith('vigil_automation_runs_'));
}

describe('automation run metrics', () => {
  it('counts a start and an end once each, by automation and final status; a run cancelled before it started is neither', async () => {
    const registry = new Registry();
    const runs = automationRunMetrics(registry);
    const running = { automationId: 'a', status: 'running' };
    runs.committed([
      commit('automation_run', 'r1', [null, running], [running, { automationId: 'a', status: 'waiting' }]),
      commit('automation_run', 'r2', [null, running]),
      commit('system', 's1', [null, { automationId: 'a', status: 'running' }]),
    ]);
    runs.committed([
      commit('automation_run', 'r1', [{ automationId: 'a', status: 'waiting' }, { automationId: 'a', status: 'succeeded' }]),
      commit('automation_run', 'r2', [running, { automationId: 'a', status: 'failed' }]),
      // A later no-op on an ended run, its deletion by retention, and a run cancelled before it started.
      commit('automation_run', 'r2', [{ automationId: 'a', status: 'failed' }, { automationId: 'a', status: 'failed' }]),
      commit('automation_run', 'r1', [{ automationId: 'a', status: 'succeeded' }, null]),
      commit('automation_run', 'r3', [null, { automationId: 'b', status: 'cancelled' }]),
    ]);
    expect(await counts(registry)).toEqual([
      'vigil_automation_runs_started_total{automation="a"} 2',
      'vigil_automation_runs_finished_total{automation="a",status="succeeded"} 1',
      'vigil_automation_runs_finished_total{automation="a",status="failed"} 1',
      'vigil_automation_runs_failed_total{automation="a"} 1',
    ]);
  });
});
