import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { ENGINE_ACK_WAIT_MS } from './engine-timing.ts';
import { consume, type Bus, type Subscription } from '../../bus/index.ts';
import { triggerMessageSchema, type AutomationState, type FiredTrigger, type TriggerMessage } from '../../machines/index.ts';
import { evaluateConditions, type StateReader } from '../conditions/index.ts';
import type { AutomationDirectory } from './automation-directory.ts';
import type { Dispatch } from './dispatch.ts';
import { KeyedSerializer } from './keyed-serializer.ts';
import { scopeIdFor } from './scope-id.ts';

export interface TriggerRouterOptions {
  bus: Bus;
  directory: AutomationDirectory;
  reader: StateReader;
  dispatch: Dispatch;
  log: Logger;
  clock?: () => number;
  concurrency?: number;
}

const decoder = new TextDecoder();

/**
 * Routes trigger events to automations, once per cluster: a shared durable consumer on
 * `<ns>.trigger.>` (work-queue group `automation-router`). For each enabled automation with a
 * trigger on the event, the trigger's filter and the automation's conditions are evaluated
 * against fresh state; if they pass, `fire` goes to the automation's scope entity, which decides
 * by mode. The fire carries a command id derived from the event and the automation trigger, so
 * a redelivered event fires nothing twice.
 */
export async function startTriggerRouter(options: TriggerRouterOptions): Promise<Subscription> {
  const { bus, directory, reader, dispatch, log } = options;
  const clock = options.clock ?? Date.now;
  const serializer = new KeyedSerializer();

  const route = async (message: TriggerMessage, automation: AutomationState) => {
    const definition = automation.definition;
    const { scopeId, contextValue } = scopeIdFor(definition, message.contextValue);
    // Submitted synchronously per scope, so fires of one scope reach it in stream order.
    return serializer.run(scopeId, async () => {
      for (const trigger of definition.triggers.filter((candidate) => candidate.event === message.trigger)) {
        const fired: FiredTrigger = {
          id: trigger.id,
          event: message.trigger,
          payload: message.payload,
          contextKey: message.contextKey,
          contextValue: message.contextValue,
          source: message.source,
          at: message.at,
        };
        const now = clock();
        const scope = { trigger: fired, variables: {}, artifacts: {}, now };
        const gates = [...(trigger.filter ? [{ condition: 'expression' as const, expression: trigger.filter }] : []), ...definition.conditions];
        const verdict = await evaluateConditions(gates, scope, reader, now, `${definition.id}.triggers.${trigger.id}`);
        if (!verdict.ok) {
          log.debug({ automationId: definition.id, trigger: trigger.id, details: verdict.details }, 'trigger event filtered out');
          continue;
        }
        const commandId = `fire-${createHash('sha256').update(`${message.source.kind}:${message.source.id}:${message.source.version}:${message.trigger}:${definition.id}:${trigger.id}`).digest('hex').slice(0, 40)}`;
        await dispatch(
          'automation_scope',
          scopeId,
          { type: 'fire', automationId: definition.id, contextValue, mode: definition.mode, max: definition.max, trigger: fired },
          { commandId, actor: `automation:${definition.id}` },
        );
      }
    });
  };

  return consume(bus, {
    stream: bus.subjects.streams.trigger,
    filterSubject: bus.subjects.triggerFilter(),
    delivery: { mode: 'work-queue', group: 'automation-router' },
    concurrency: options.concurrency ?? 16,
    // A node killed mid-message: another takes the message over after this long (a live handler
    // extends it while it works).
    ackWaitMs: ENGINE_ACK_WAIT_MS,
    handler: async (delivered) => {
      const parsed = triggerMessageSchema.safeParse(JSON.parse(decoder.decode(delivered.data)));
      if (!parsed.success) {
        log.warn({ subject: delivered.subject, issues: parsed.error.issues }, 'trigger message does not match the contract; ignored');
        return;
      }
      await Promise.all(directory.listening(parsed.data.trigger).map((automation) => route(parsed.data, automation)));
    },
    onError: (error, delivered, parked) => log.warn({ err: error, subject: delivered.subject, parked }, 'routing a trigger event failed'),
  });
}
