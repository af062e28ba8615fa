import type { Logger } from 'pino';
import { ENGINE_ACK_WAIT_MS, ENGINE_MAX_DELIVERIES } from './engine-timing.ts';
import { onEntityChanged } from '../../actors/index.ts';
import type { Bus, Subscription } from '../../bus/index.ts';
import type { AutomationScopeState, AutomationState } from '../../machines/index.ts';
import { dispatchOnce, type Dispatch } from './dispatch.ts';

/**
 * Carries out what scope entities decided (work-queue group `automation-scopes`): a run that
 * entered `active` is started with the automation's current definition; a run that left
 * `active` is cancelled (a finished run refuses the cancel, which is fine). Both are idempotent,
 * so a redelivered change does nothing twice, and a node killed halfway leaves the rest to the
 * redelivery.
 */
export async function startScopeReactor(options: { bus: Bus; dispatch: Dispatch; readAutomation: (id: string) => Promise<AutomationState | null>; log: Logger }): Promise<Subscription> {
  const { bus, dispatch, log } = options;
  return onEntityChanged(bus, {
    kind: 'automation_scope',
    delivery: { mode: 'work-queue', group: 'automation-scopes' },
    concurrency: 16,
    // A node killed mid-message: another takes the message over after this long (a live handler
    // extends it while it works).
    ackWaitMs: ENGINE_ACK_WAIT_MS,
    maxDeliveries: ENGINE_MAX_DELIVERIES,
    handler: async (change) => {
      const prev = (change.prev as AutomationScopeState | null)?.active ?? [];
      const next = (change.next as AutomationScopeState | null)?.active ?? [];
      const before = new Set(prev.map((run) => run.runId));
      const after = new Set(next.map((run) => run.runId));
      for (const run of prev.filter((candidate) => !after.has(candidate.runId))) {
        await dispatchOnce(dispatch, 'automation_run', run.runId, { type: 'cancel', reason: 'restarted by a newer run' });
      }
      const automationId = (change.next as AutomationScopeState | null)?.automationId ?? '';
      for (const run of next.filter((candidate) => !before.has(candidate.runId))) {
        const automation = await options.readAutomation(automationId);
        const event = automation
          ? { type: 'start', automationId: automation.id, revision: automation.revision, scopeId: change.id, definition: automation.definition, trigger: run.trigger, artifacts: (change.next as AutomationScopeState).artifacts }
          : { type: 'cancel', reason: 'the automation was deleted before the run started' };
        // Refused when it started (or was cancelled) already: a redelivery.
        await dispatchOnce(dispatch, 'automation_run', run.runId, event, { actor: `automation:${automationId}`, runId: run.runId });
      }
    },
    onError: (error, info, parked) => log.warn({ err: error, subject: info.subject, parked }, 'applying an automation scope change failed'),
  });
}
