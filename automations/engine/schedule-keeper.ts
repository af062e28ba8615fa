import type { Logger } from 'pino';
import { onEntityChanged } from '../../actors/index.ts';
import type { Bus, Subscription } from '../../bus/index.ts';
import { automationScheduleId, jsonEqual, type AutomationScheduleState, type AutomationState } from '../../machines/index.ts';
import type { Database } from '../../persistence/index.ts';
import type { AutomationDefinition } from '../definition/index.ts';
import { CRON_TRIGGER, INTERVAL_TRIGGER, type ScheduleSpec } from '../schedules/index.ts';
import { dispatchOnce, type Dispatch } from './dispatch.ts';
import { ENGINE_ACK_WAIT_MS, ENGINE_MAX_DELIVERIES } from './engine-timing.ts';

/** One event for one `automation_schedule` entity. */
export interface ScheduleCommand {
  scheduleId: string;
  event: { type: 'configure' | 'stop'; automationId: string; triggerId: string; automationVersion: number } & Record<string, unknown>;
}

/** The schedule of each `automation.cron` / `automation.interval` trigger of `definition`, by trigger id. */
export function schedulesOf(definition: AutomationDefinition): Map<string, ScheduleSpec> {
  const schedules = new Map<string, ScheduleSpec>();
  for (const trigger of definition.triggers) {
    if (trigger.event === CRON_TRIGGER && trigger.cron !== undefined) schedules.set(trigger.id, { kind: 'cron', cron: trigger.cron, timezone: trigger.timezone ?? 'UTC' });
    if (trigger.event === INTERVAL_TRIGGER && trigger.every !== undefined) schedules.set(trigger.id, { kind: 'interval', everyMs: trigger.every });
  }
  return schedules;
}

/**
 * Pure: what the schedules of automation `automationId` are told once it is at `version` with
 * state `next` (null: deleted). Every schedule trigger of an enabled automation is configured;
 * every trigger id of `known` (those that may have a schedule entity) that is not is stopped.
 * All events carry `version`, so the entities refuse them after a newer one (out-of-order
 * delivery converges) and apply them again as no-ops (redelivery).
 */
export function scheduleCommands(automationId: string, version: number, next: AutomationState | null, known: Iterable<string>): ScheduleCommand[] {
  const wanted = next !== null && next.enabled ? schedulesOf(next.definition) : new Map<string, ScheduleSpec>();
  const reason = next === null ? 'the automation was deleted' : !next.enabled ? 'the automation was disabled' : 'the trigger was removed or is no longer a schedule';
  const event = (type: 'configure' | 'stop', triggerId: string) => ({ type, automationId, triggerId, automationVersion: version });
  const commands: ScheduleCommand[] = [];
  for (const [triggerId, schedule] of wanted) commands.push({ scheduleId: automationScheduleId(automationId, triggerId), event: { ...event('configure', triggerId), schedule } });
  for (const triggerId of new Set(known)) {
    if (!wanted.has(triggerId)) commands.push({ scheduleId: automationScheduleId(automationId, triggerId), event: { ...event('stop', triggerId), reason } });
  }
  return commands;
}

/**
 * Pure: the commands that bring stored schedules in line with a stored automation (at start),
 * leaving out those the entity already reflects, so a node starting in a settled cluster sends
 * nothing.
 */
export function reconcileCommands(automationId: string, version: number, state: AutomationState | null, stored: readonly AutomationScheduleState[]): ScheduleCommand[] {
  const byTrigger = new Map(stored.map((schedule) => [schedule.triggerId, schedule]));
  return scheduleCommands(automationId, version, state, byTrigger.keys()).filter(({ event }) => {
    const current = byTrigger.get(event.triggerId);
    if (current !== undefined && current.automationVersion > version) return false;
    if (event.type === 'stop') return current?.status === 'armed';
    return current === undefined || current.status !== 'armed' || current.automationVersion < version || !jsonEqual(current.schedule, event.schedule);
  });
}

export interface ScheduleKeeperOptions {
  bus: Bus;
  database: Database;
  dispatch: Dispatch;
  log: Logger;
}

/**
 * Keeps the `automation_schedule` entities in line with the automations (work-queue group
 * `automation-schedules` on `<ns>.entity.automation.*`): each automation change configures the
 * schedules of its enabled schedule triggers and stops those it no longer has (disabled, deleted,
 * trigger removed or changed). Idempotent under redelivery and order-independent (the entities
 * fence by automation version).
 *
 * Automations saved before this consumer existed (or before the stream's retention) have no
 * change left to deliver: the group starts at new messages, and instead every node, after
 * subscribing, compares the stored automations with the stored schedules once and sends what is
 * missing (`reconcileCommands`). A change arriving meanwhile is applied twice at most, never lost.
 * A failed reconciliation is retried a few times, then left to the next start.
 */
export async function startScheduleKeeper(options: ScheduleKeeperOptions): Promise<Subscription> {
  const { bus, database, dispatch, log } = options;
  const send = async (commands: ScheduleCommand[]) => {
    for (const { scheduleId, event } of commands) {
      await dispatchOnce(dispatch, 'automation_schedule', scheduleId, event, { actor: `automation:${event.automationId}` });
    }
  };

  const subscription = await onEntityChanged(bus, {
    kind: 'automation',
    delivery: { mode: 'work-queue', group: 'automation-schedules' },
    concurrency: 4,
    ackWaitMs: ENGINE_ACK_WAIT_MS,
    maxDeliveries: ENGINE_MAX_DELIVERIES,
    handler: async (change) => {
      const prev = change.prev as AutomationState | null;
      const known = prev === null ? [] : schedulesOf(prev.definition).keys();
      await send(scheduleCommands(change.id, change.version, change.next as AutomationState | null, known));
    },
    onError: (error, info, parked) => log.warn({ err: error, subject: info.subject, parked }, 'updating automation schedules failed'),
  });

  let stopped = false;
  const reconcile = async () => {
    const automations = await database.query<{ id: string; version: number; state: AutomationState | null }>(
      `select id, version, state from entity_state where kind = 'automation'`,
    );
    const schedules = await database.query<{ state: AutomationScheduleState }>(`select state from entity_state where kind = 'automation_schedule' and state is not null`);
    const byAutomation = new Map<string, AutomationScheduleState[]>();
    for (const { state } of schedules) byAutomation.set(state.automationId, [...(byAutomation.get(state.automationId) ?? []), state]);
    for (const automation of automations) {
      if (stopped) return;
      await send(reconcileCommands(automation.id, automation.version, automation.state, byAutomation.get(automation.id) ?? []));
    }
  };
  const reconciled = (async () => {
    for (let attempt = 1; !stopped; attempt++) {
      try {
        return await reconcile();
      } catch (error) {
        log.warn({ err: error, attempt }, 'reconciling automation schedules at start failed');
        if (attempt >= 5) return;
        await new Promise((resolve) => setTimeout(resolve, 1000 * attempt).unref());
      }
    }
  })();

  return {
    async stop() {
      stopped = true;
      await subscription.stop();
      await reconciled;
    },
  };
}
