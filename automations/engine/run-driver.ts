import type { Logger } from 'pino';
import { ENGINE_ACK_WAIT_MS, ENGINE_MAX_DELIVERIES } from './engine-timing.ts';
import { onEntityChanged } from '../../actors/index.ts';
import type { Bus, Subscription } from '../../bus/index.ts';
import { isFinalRunStatus, type AutomationRunState } from '../../machines/index.ts';
import type { StepExecutor } from './step-executor.ts';
import type { WaitWaker } from './wait-waker.ts';
import { dispatchOnce, type Dispatch } from './dispatch.ts';

/**
 * Drives runs forward (work-queue group `automation-runs`): each committed change of a running
 * run executes its next step and records it (`advance`), which commits the next change, and so
 * on. A run that ended tells its scope (`run_finished`), which frees the slot or starts the next
 * queued run. A node killed mid-step leaves the change unacknowledged: JetStream redelivers it
 * to another node, which executes the same step again with the same idempotency key.
 */
export async function startRunDriver(options: {
  bus: Bus;
  dispatch: Dispatch;
  readRun: (runId: string) => Promise<{ version: number; state: AutomationRunState | null }>;
  executor: StepExecutor;
  waker: WaitWaker;
  log: Logger;
  /** Marks the pending deliveries of a run that ended `dead` (it will not attempt them again). */
  settleDeliveries?: (run: AutomationRunState, reason: string) => Promise<string[]>;
  concurrency?: number;
}): Promise<Subscription> {
  const { bus, dispatch, executor, log } = options;
  return onEntityChanged(bus, {
    kind: 'automation_run',
    delivery: { mode: 'work-queue', group: 'automation-runs' },
    concurrency: options.concurrency ?? 32,
    // A node killed mid-message: another takes the message over after this long (a live handler
    // extends it while it works).
    ackWaitMs: ENGINE_ACK_WAIT_MS,
    maxDeliveries: ENGINE_MAX_DELIVERIES,
    handler: async (change, info) => {
      const run = change.next as AutomationRunState | null;
      if (!run) return;
      if (isFinalRunStatus(run.status)) {
        const prev = change.prev as AutomationRunState | null;
        if (prev && isFinalRunStatus(prev.status)) return;
        // A delivery left waiting for its next attempt (the run was cancelled or stopped) is dead.
        const settled = await options.settleDeliveries?.(run, `the run ended (${run.status}${run.reason ? `: ${run.reason}` : ''}) before the delivery was done`);
        if (settled && settled.length > 0) log.info({ runId: run.runId, deliveries: settled }, 'deliveries of an ended run are dead');
        // A run cancelled before it started has no scopeId yet; its id is `<scopeId>:r<n>`.
        const scopeId = run.scopeId || run.runId.slice(0, run.runId.lastIndexOf(':r'));
        // Refused when the run is not active there any more (restarted, or a redelivery).
        await dispatchOnce(dispatch, 'automation_scope', scopeId, { type: 'run_finished', runId: run.runId, artifacts: run.artifacts });
        return;
      }
      if (run.status === 'waiting') {
        // Just started a wait_until: check once more, so a change committed between the step's
        // evaluation and this commit is not missed (later changes wake it through the index).
        const prev = change.prev as AutomationRunState | null;
        if (prev?.status !== 'waiting' || prev.seq !== run.seq) await options.waker.recheck(run);
        return;
      }
      if (run.status !== 'running') return;
      // Only the newest change drives the run: an older one redelivered late is history.
      const current = await options.readRun(run.runId);
      if (current.version !== change.version) return;
      const advance = await executor.execute(run, info.deliveryCount);
      // Refused when an earlier delivery recorded this step already, or the run was cancelled meanwhile.
      await dispatchOnce(dispatch, 'automation_run', run.runId, advance, { runId: run.runId, actor: `automation:${run.automationId}` });
    },
    onError: (error, info, parked) => log.warn({ err: error, subject: info.subject, parked }, 'executing an automation step failed; it is retried'),
  });
}
