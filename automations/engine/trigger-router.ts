import type { Logger } from 'pino';
import { ENGINE_ACK_WAIT_MS, ENGINE_MAX_DELIVERIES } from './engine-timing.ts';
import { consume, type Bus, type Subscription } from '../../bus/index.ts';
import { triggerMessageSchema, triggerMessageTargets, type AutomationState, type FiredTrigger, type TriggerMessage } from '../../machines/index.ts';
import type { Database } from '../../persistence/index.ts';
import { evaluateConditions, type StateReader } from '../conditions/index.ts';
import type { AutomationDirectory } from './automation-directory.ts';
import type { Dispatch } from './dispatch.ts';
import { DwellKeeper } from './dwell-keeper.ts';
import { fireScope, stableCommandId } from './fire-scope.ts';
import { KeyedSerializer } from './keyed-serializer.ts';
import { scopeIdFor } from './scope-id.ts';
import type { WaitWaker } from './wait-waker.ts';
import { WindowGate } from './window-gate.ts';

export interface TriggerRouterOptions {
  bus: Bus;
  database: Database;
  directory: AutomationDirectory;
  reader: StateReader;
  dispatch: Dispatch;
  waker: WaitWaker;
  log: Logger;
  clock?: () => number;
  concurrency?: number;
}

const decoder = new TextDecoder();

/**
 * Routes trigger events to automations, once per cluster: a shared durable consumer on
 * `<ns>.trigger.>` (work-queue group `automation-router`). For each enabled automation with a
 * trigger on the event, the trigger's filter is evaluated, then:
 *
 *   - a plain trigger: the automation's conditions against fresh state, then `fire` to the
 *     automation's scope entity, which decides by mode;
 *   - `window`: the event is counted on the window entity of its partition, which decides
 *     whether this event fires (then conditions, then `fire`);
 *   - `for:`: an episode starts on the dwell entity (or keeps its deadline); the dwell reactor
 *     fires at the deadline if the state lasted.
 *
 * Every fire carries a command id derived from what fired it, so a redelivered event fires
 * nothing twice. Events of an entity a `for:` watches also end its episode early when the entity
 * left the state, and runs waiting for the event (`wait_for_trigger`) resume.
 */
export async function startTriggerRouter(options: TriggerRouterOptions): Promise<Subscription> {
  const { bus, directory, reader, dispatch, log } = options;
  const clock = options.clock ?? Date.now;
  const serializer = new KeyedSerializer();
  const dwells = new DwellKeeper({ reader, database: options.database, dispatch, log });
  const windows = new WindowGate({ dispatch, log });

  const route = async (message: TriggerMessage, automation: AutomationState) => {
    const definition = automation.definition;
    const { scopeId } = scopeIdFor(definition, message.contextValue);
    // Submitted synchronously per scope, so fires of one scope reach it in stream order.
    return serializer.run(scopeId, async () => {
      // A schedule event (automation.cron / automation.interval) starts only the trigger that scheduled it.
      for (const trigger of definition.triggers.filter((candidate) => candidate.event === message.trigger && triggerMessageTargets(message, definition.id, candidate.id))) {
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
        const path = `${definition.id}.triggers.${trigger.id}`;
        if (trigger.filter) {
          const filtered = await evaluateConditions([{ condition: 'expression', expression: trigger.filter }], scope, reader, now, path);
          if (!filtered.ok) {
            log.debug({ automationId: definition.id, trigger: trigger.id, details: filtered.details }, 'trigger event filtered out');
            continue;
          }
        }
        if (trigger.for !== undefined) {
          await dwells.onFire(definition, trigger, fired);
          continue;
        }
        if (!(await windows.passes(definition, trigger, fired, now))) continue;
        const verdict = await evaluateConditions(definition.conditions, scope, reader, now, path);
        if (!verdict.ok) {
          log.debug({ automationId: definition.id, trigger: trigger.id, details: verdict.details }, 'automation conditions not met');
          continue;
        }
        const { kind, id, version } = message.source;
        await fireScope(dispatch, definition, fired, stableCommandId('fire', kind, id, version, message.trigger, definition.id, trigger.id));
      }
    });
  };

  /** Ends `for:` episodes whose watched entity this event shows out of the state. */
  const disarmDepartures = async (message: TriggerMessage) => {
    await Promise.all(
      directory
        .dwellingOn(message.source.kind)
        .filter(({ trigger }) => trigger.event !== message.trigger)
        .map(({ automation, trigger }) =>
          serializer.run(scopeIdFor(automation.definition, message.contextValue).scopeId, () => dwells.onSourceEvent(automation.definition, trigger, message)),
        ),
    );
  };

  return consume(bus, {
    stream: bus.subjects.streams.trigger,
    filterSubject: bus.subjects.triggerFilter(),
    delivery: { mode: 'work-queue', group: 'automation-router' },
    concurrency: options.concurrency ?? 16,
    // A node killed mid-message: another takes the message over after this long (a live handler
    // extends it while it works).
    ackWaitMs: ENGINE_ACK_WAIT_MS,
    maxDeliveries: ENGINE_MAX_DELIVERIES,
    handler: async (delivered) => {
      const parsed = triggerMessageSchema.safeParse(JSON.parse(decoder.decode(delivered.data)));
      if (!parsed.success) {
        log.warn({ subject: delivered.subject, issues: parsed.error.issues }, 'trigger message does not match the contract; ignored');
        return;
      }
      await Promise.all([
        ...directory.listening(parsed.data.trigger).map((automation) => route(parsed.data, automation)),
        disarmDepartures(parsed.data),
        directory.isAwaited(parsed.data.trigger) ? options.waker.onTrigger(parsed.data) : undefined,
      ]);
    },
    onError: (error, delivered, parked) => log.warn({ err: error, subject: delivered.subject, parked }, 'routing a trigger event failed'),
  });
}
