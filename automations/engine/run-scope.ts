import type { AutomationRunState } from '../../machines/index.ts';

/**
 * What expressions and templates of a run can read: `trigger.*`, `variables.*`, `artifacts.*`,
 * `run.*` and `now` (epoch ms). Entity state (`state.<kind>.<id>`) is added per evaluation by
 * the condition evaluator, loaded fresh.
 */
export function runScope(run: AutomationRunState, now: number): Record<string, unknown> {
  return {
    trigger: run.trigger ?? {},
    variables: run.variables,
    artifacts: run.artifacts,
    run: { id: run.runId, automation_id: run.automationId, revision: run.revision, started_at: run.startedAt },
    now,
  };
}
