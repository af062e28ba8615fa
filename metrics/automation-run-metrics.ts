import type { Registry } from 'prom-client';
import { isFinalRunStatus } from '../machines/index.ts';
import type { PendingCommit } from '../persistence/index.ts';
import { TallyCounter } from './tally-counter.ts';

interface RunState {
  automationId?: unknown;
  status?: unknown;
}

/**
 * Automation runs, counted where their transitions are committed: a run's start and its end are
 * each one transition, committed exactly once in the cluster (by the node owning the run's
 * partition), so summing over nodes counts every run once — not wherever the engine happened to
 * handle it. `vigil_automation_runs_started_total{automation}`,
 * `vigil_automation_runs_finished_total{automation,status}` (succeeded, failed, stopped, skipped,
 * cancelled; a run cancelled before it started is neither started nor finished),
 * `vigil_automation_runs_failed_total{automation}` (the `failed` ones, for alerts).
 */
export function automationRunMetrics(registry: Registry) {
  const started = new TallyCounter(registry, { name: 'vigil_automation_runs_started_total', help: 'Automation runs started (committed on this node).', labelNames: ['automation'] });
  const finished = new TallyCounter(registry, { name: 'vigil_automation_runs_finished_total', help: 'Automation runs ended, by final status (committed on this node).', labelNames: ['automation', 'status'] });
  const failed = new TallyCounter(registry, { name: 'vigil_automation_runs_failed_total', help: 'Automation runs that ended with status failed (committed on this node).', labelNames: ['automation'] });
  // Label values: automation ids (as many as automations are defined) and final statuses.
  return {
    /** Looks at a committed batch; cost for other kinds: one comparison per entity. */
    committed(items: readonly PendingCommit[]): void {
      for (const item of items) {
        if (item.kind !== 'automation_run') continue;
        for (const { change } of item.transitions) {
          const prev = change.prev as RunState | null;
          const next = change.next as RunState | null;
          if (next === null || typeof next.status !== 'string') continue;
          const automation = String(next.automationId ?? '');
          const ended = isFinalRunStatus(next.status);
          if (prev === null) {
            if (ended) continue;
            started.tally(automation).count++;
            // Its failure series exists (at 0) from the first run on, so a rate over it is 0, not empty.
            failed.tally(automation);
          } else if (ended && !isFinalRunStatus(String(prev.status))) {
            finished.tally(automation, next.status).count++;
            if (next.status === 'failed') failed.tally(automation).count++;
          }
        }
      }
    },
  };
}
