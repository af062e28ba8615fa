import type { Logger } from 'pino';
import { isEventNotAllowed } from '../../actors/index.ts';
import type { AutomationWindowState, EntityChange, FiredTrigger } from '../../machines/index.ts';
import type { AutomationDefinition, Trigger } from '../definition/automation-definition.ts';
import { evaluateExpression } from '../expressions/index.ts';
import type { Dispatch } from './dispatch.ts';
import { stableCommandId } from './fire-scope.ts';
import { entityIdPart } from './scope-id.ts';

/**
 * The router's side of a trigger `window`: records the event on the `automation_window` entity
 * of its partition and answers whether this event fires the automation. The occurrence is sent
 * with a command id derived from the event, so a redelivered event gets the decision recorded the
 * first time back (never counted twice, and a `once` fire is not lost when the router crashed
 * after counting and before firing).
 */
export class WindowGate {
  constructor(private readonly options: { dispatch: Dispatch; log: Logger }) {}

  async passes(definition: AutomationDefinition, trigger: Trigger, fired: FiredTrigger, now: number): Promise<boolean> {
    const window = trigger.window;
    if (!window) return true;
    let partition = '';
    try {
      partition = window.partition_by === undefined ? '' : String(evaluateExpression(window.partition_by, { trigger: fired, now }) ?? '');
    } catch (error) {
      // The definition's fault (it compiled at save time, but fails on this event): retrying
      // cannot help, so the event is not counted, and said so.
      this.options.log.warn({ automationId: definition.id, trigger: trigger.id, err: error }, 'window partition_by failed on this event; it is not counted');
      return false;
    }
    const windowId = entityIdPart(partition === '' ? `${definition.id}:${trigger.id}` : `${definition.id}:${trigger.id}:${partition}`, 128);
    const occurrenceId = `${fired.source.kind}:${fired.source.id}:${fired.source.version}`;
    let change: EntityChange | null;
    try {
      change = (await this.options.dispatch(
        'automation_window',
        windowId,
        { type: 'occur', automationId: definition.id, triggerId: trigger.id, partition, occurrence: { id: occurrenceId, at: fired.at }, count: window.count, withinMs: window.within, refire: window.refire },
        { commandId: stableCommandId('occur', windowId, occurrenceId), actor: `automation:${definition.id}` },
      )) as EntityChange | null;
    } catch (error) {
      if (!isEventNotAllowed(error)) throw error;
      return false; // counted already (its decision is answered by the command id; this is not reached then)
    }
    const decision = (change?.next as AutomationWindowState | null)?.lastDecision;
    const fires = decision?.occurrenceId === occurrenceId && decision.fire;
    this.options.log.debug({ automationId: definition.id, trigger: trigger.id, windowId, decision }, fires ? 'window reached: the automation fires' : 'window counted the event');
    return fires;
  }
}
