import type { AutomationRunState } from '../../machines/index.ts';
import { repeatVariables } from './repeat-step.ts';
import { innermostLoop, type StepCursor } from './step-cursor.ts';

/**
 * What expressions and templates of a run can read: `trigger.*`, `variables.*`, `artifacts.*`,
 * `run.*`, `now` (epoch ms) and, inside a repeat body, `repeat` (`index` from 1, `first`, `last`
 * for count and for_each, `item` for for_each) of the innermost loop, and after a wait step
 * `wait` (`completed`, `timed_out`, and `trigger` after wait_for_trigger). Entity state
 * (`state.<kind>.<id>`) is added per evaluation by the condition evaluator, loaded fresh.
 */
export function runScope(run: AutomationRunState, now: number): Record<string, unknown> {
  const loop = innermostLoop(run.cursor as StepCursor | null);
  return {
    trigger: run.trigger ?? {},
    variables: run.variables,
    artifacts: run.artifacts,
    run: { id: run.runId, automation_id: run.automationId, revision: run.revision, started_at: run.startedAt },
    now,
    ...(loop ? { repeat: repeatVariables(run.definition, loop) } : {}),
    ...(run.variables.wait !== undefined ? { wait: run.variables.wait } : {}),
  };
}
