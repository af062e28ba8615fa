import type { Logger } from 'pino';
import type { AutomationRunState, FiredTrigger, TriggerMessage } from '../../machines/index.ts';
import type { Database } from '../../persistence/index.ts';
import { evaluateConditions, type StateReader } from '../conditions/index.ts';
import { evaluateExpression } from '../expressions/index.ts';
import { dispatchOnce, type Dispatch } from './dispatch.ts';
import { runScope } from './run-scope.ts';
import { atPath } from './step-cursor.ts';
import { waitKeys, type WaitForTriggerStep, type WaitUntilStep } from './wait-steps.ts';

/**
 * Resumes runs whose wait is over, without polling:
 *
 *   - a `wait_until` is re-checked right after the run started waiting (a change committed
 *     between its first evaluation and its commit is not missed), and again on every change of
 *     an entity its conditions read;
 *   - a `wait_for_trigger` resumes on the first matching trigger event after it started waiting.
 *
 * Waiting runs are found through the GIN index on `state.wait.keys`. A change is published after
 * it commits, so either the lookup sees the waiting run, or the run started waiting after the
 * change and its own re-check saw the change. `resume` names the wait's `seq`: a late or repeated
 * resume is refused by the run, and so is any resume of a cancelled run.
 */
export class WaitWaker {
  private readonly clock: () => number;

  constructor(
    private readonly options: {
      database: Database;
      reader: StateReader;
      dispatch: Dispatch;
      readRun: (runId: string) => Promise<AutomationRunState | null>;
      log: Logger;
      clock?: () => number;
    },
  ) {
    this.clock = options.clock ?? Date.now;
  }

  /** Re-evaluates the wait_until `run` waits on, against fresh state; resumes it when it holds. */
  async recheck(run: AutomationRunState): Promise<void> {
    if (run.status !== 'waiting' || run.wait?.kind !== 'until') return;
    const step = atPath(run.definition, run.wait.path) as WaitUntilStep | undefined;
    if (!step?.wait_until) return;
    const now = this.clock();
    const result = await evaluateConditions(step.wait_until.conditions, runScope(run, now), this.options.reader, now, `${run.wait.path}.wait_until.conditions`);
    if (!result.ok) return;
    await dispatchOnce(this.options.dispatch, 'automation_run', run.runId, { type: 'resume', seq: run.seq }, { actor: `automation:${run.automationId}`, runId: run.runId });
  }

  /** An entity changed: re-check the wait_until of every run that reads it. */
  async onEntityChanged(kind: string, id: string): Promise<void> {
    const runIds = await this.waitingOn([waitKeys.entity(kind, id), waitKeys.anyOfKind(kind)]);
    for (const runId of runIds) {
      const run = await this.options.readRun(runId);
      if (run) await this.recheck(run);
    }
  }

  /** A trigger event: resume the runs waiting for it whose filter passes. */
  async onTrigger(message: TriggerMessage): Promise<void> {
    const runIds = await this.waitingOn([waitKeys.trigger(message.trigger)]);
    for (const runId of runIds) {
      const run = await this.options.readRun(runId);
      if (!run || run.status !== 'waiting' || run.wait?.kind !== 'trigger') continue;
      const step = atPath(run.definition, run.wait.path) as WaitForTriggerStep | undefined;
      if (!step?.wait_for_trigger || step.wait_for_trigger.event !== message.trigger) continue;
      // Events from before the wait began are not what it waits for (a late-routed one).
      if (message.at < run.wait.since) continue;
      const awaited: FiredTrigger = { id: run.wait.path, event: message.trigger, payload: message.payload, contextKey: message.contextKey, contextValue: message.contextValue, source: message.source, at: message.at };
      if (step.wait_for_trigger.filter && !this.passes(step.wait_for_trigger.filter, { ...runScope(run, this.clock()), trigger: awaited, run_trigger: run.trigger }, run)) continue;
      await dispatchOnce(this.options.dispatch, 'automation_run', run.runId, { type: 'resume', seq: run.seq, trigger: awaited }, { actor: `automation:${run.automationId}`, runId: run.runId });
    }
  }

  private passes(filter: string, scope: Record<string, unknown>, run: AutomationRunState): boolean {
    try {
      return evaluateExpression(filter, scope) === true;
    } catch (error) {
      this.options.log.warn({ runId: run.runId, err: error }, 'a wait_for_trigger filter failed; the event does not match');
      return false;
    }
  }

  private async waitingOn(keys: string[]): Promise<string[]> {
    const rows = await this.options.database.query<{ id: string }>(
      `select id from entity_state where kind = 'automation_run' and (${keys.map(() => `state->'wait'->'keys' @> ?::jsonb`).join(' or ')})`,
      keys.map((key) => JSON.stringify([key])),
    );
    return rows.map((row) => row.id);
  }
}
