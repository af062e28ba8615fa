import type { Logger } from 'pino';
import { onEntityChanged } from '../../actors/index.ts';
import type { Bus, Subscription } from '../../bus/index.ts';
import { getTrigger, type AutomationDwellState, type AutomationState } from '../../machines/index.ts';
import type { Database } from '../../persistence/index.ts';
import { evaluateConditions, type StateReader } from '../conditions/index.ts';
import { dispatchOnce, type Dispatch } from './dispatch.ts';
import { ENGINE_ACK_WAIT_MS, ENGINE_MAX_DELIVERIES } from './engine-timing.ts';
import { fireScope, stableCommandId } from './fire-scope.ts';
import { findDeparture } from './lasting-state.ts';

/**
 * The deadline side of `for:` triggers (work-queue group `automation-dwells`): when a dwell's
 * durable timer moved it to `elapsed`, confirm from the stored transitions that the watched
 * entity held the state throughout the episode, check the automation's conditions against fresh
 * state, fire the automation's scope once (the command id names the episode) and settle the
 * episode. A node killed anywhere in between leaves the change unacknowledged; the node that
 * takes it over repeats the same steps, and the fire's command id makes the repeat a no-op.
 */
export async function startDwellReactor(options: {
  bus: Bus;
  database: Database;
  reader: StateReader;
  dispatch: Dispatch;
  readAutomation: (id: string) => Promise<AutomationState | null>;
  log: Logger;
  clock?: () => number;
}): Promise<Subscription> {
  const { bus, database, reader, dispatch, log } = options;
  const clock = options.clock ?? Date.now;
  return onEntityChanged(bus, {
    kind: 'automation_dwell',
    delivery: { mode: 'work-queue', group: 'automation-dwells' },
    concurrency: 16,
    ackWaitMs: ENGINE_ACK_WAIT_MS,
    maxDeliveries: ENGINE_MAX_DELIVERIES,
    handler: async (change) => {
      const dwell = change.next as AutomationDwellState | null;
      if (!dwell || dwell.status !== 'elapsed' || !dwell.trigger) return;
      const settle = (outcome: 'fired' | 'lapsed', reason?: string) =>
        dispatchOnce(dispatch, 'automation_dwell', change.id, { type: 'settle', episode: dwell.episode, outcome, ...(reason ? { reason } : {}) }, { actor: `automation:${dwell.automationId}` });

      const automation = await options.readAutomation(dwell.automationId);
      const trigger = automation?.enabled ? automation.definition.triggers.find((candidate) => candidate.id === dwell.triggerId && candidate.for !== undefined) : undefined;
      if (!automation || !trigger) return settle('lapsed', 'the automation was disabled, deleted or no longer has this for: trigger');
      const lasting = getTrigger(dwell.trigger.event)?.lasting;
      if (!lasting) return settle('lapsed', `${dwell.trigger.event} has no lasting state`);

      const departure = await findDeparture(database, lasting, dwell.trigger);
      if (departure) return settle('lapsed', `${dwell.trigger.source.kind} ${dwell.trigger.source.id} left the state (${lasting.description}) at version ${departure.version}`);

      const now = clock();
      const verdict = await evaluateConditions(automation.definition.conditions, { trigger: dwell.trigger, variables: {}, artifacts: {}, now }, reader, now, `${automation.definition.id}.conditions`);
      if (!verdict.ok) return settle('lapsed', 'the automation conditions were not met at the deadline');

      await fireScope(dispatch, automation.definition, dwell.trigger, stableCommandId('dwell', change.id, dwell.episode));
      log.debug({ automationId: automation.definition.id, dwellId: change.id, episode: dwell.episode }, 'for: the state lasted; the automation fired');
      return settle('fired');
    },
    onError: (error, info, parked) => log.warn({ err: error, subject: info.subject, parked }, 'settling a for: deadline failed; it is retried'),
  });
}
