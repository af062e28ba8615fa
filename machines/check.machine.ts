import { assign, setup } from 'xstate';
import { z } from 'zod';
import { entityIdSchema, jsonEqual } from './entity-change.ts';
import { defineCatalogEntity } from './catalog-entity.ts';
import type { DurableTimer, Timed } from './entity-definition.ts';
import { checkEntityStrategySchema, type CheckEntityStrategy } from '../protocol/check-strategy.ts';
import {
  pingPushMonitor,
  PUSH_MESSAGE_LIMIT,
  pushDeadlinePassed,
  pushMonitorSchema,
  pushPingStatusSchema,
  retunePushMonitor,
  startPushMonitor,
  type PushMonitor,
} from './push-monitor.ts';
import { durationMs } from '../protocol/duration.ts';
import { idListSchema, type EntityInput } from './shared-schemas.ts';

/**
 * A check of a system: run by satellites (HTTP, TCP, DNS or TLS, see protocol/check-strategy.ts; how often; by which satellites), or a push
 * monitor that no satellite runs: a job pings it (`ping`, sent by the push route) and the
 * runtime's durable timer sends `push_due` at each deadline (see push-monitor.ts). Its id is the
 * `checkId` that results report. Exists between `create` and `delete`. A push check never has
 * satellites: a `create` or `update` naming both is refused.
 *
 * v2: push monitors (`strategy.kind: "push"`, the `push` field, `ping` and `push_due`). A v1
 * snapshot has no `push` field and no push strategy, and reads the same in v2.
 */
export const checkMachineVersion = 2;

export {
  checkStrategySchema,
  checkEntityStrategySchema,
  dnsStrategySchema,
  httpStrategySchema,
  tcpStrategySchema,
  tlsStrategySchema,
  pushStrategySchema,
  type CheckStrategy,
  type CheckEntityStrategy,
  type PushStrategy,
} from '../protocol/check-strategy.ts';

/** How often satellites run the check: 1 s to 1 day, as ms or a duration ("30s", "1m30s"). */
const intervalSchema = durationMs({ min: 1_000, max: 86_400_000 });

export const checkEventSchema = z
  .discriminatedUnion('type', [
    z.object({
      type: z.literal('create'),
      systemId: entityIdSchema,
      strategy: checkEntityStrategySchema,
      intervalMs: intervalSchema.default(60_000),
      satelliteIds: idListSchema.default([]),
    }),
    z.object({
      type: z.literal('update'),
      strategy: checkEntityStrategySchema.optional(),
      intervalMs: intervalSchema.optional(),
      satelliteIds: idListSchema.optional(),
    }),
    z.object({ type: z.literal('delete') }),
    /** A push check's job pinged it. Sent by the push route (as the node), never by callers. */
    z.object({ type: z.literal('ping'), status: pushPingStatusSchema.default('up'), message: z.string().max(PUSH_MESSAGE_LIMIT).optional() }),
    /** Internal: sent by the runtime's durable timer at a push check's deadline, never accepted as a command. */
    z.object({ type: z.literal('push_due'), dueAt: z.number().int().nonnegative() }),
  ])
  .superRefine((event, context) => {
    if ((event.type === 'create' || event.type === 'update') && event.strategy?.kind === 'push' && (event.satelliteIds?.length ?? 0) > 0) {
      context.addIssue({ code: 'custom', path: ['satelliteIds'], message: 'a push check has no satellites: its job pings Vigil' });
    }
  });
export type CheckEvent = Timed<z.output<typeof checkEventSchema>>;

export const checkStateSchema = z.object({
  id: z.string(),
  systemId: z.string(),
  strategy: checkEntityStrategySchema,
  intervalMs: z.number(),
  satelliteIds: z.array(z.string()),
  /** Push checks only: the last ping, the current deadline and the misses (see push-monitor.ts). */
  push: pushMonitorSchema.optional(),
});
export type CheckState = z.infer<typeof checkStateSchema>;

export interface CheckContext extends Omit<CheckState, 'strategy' | 'push'> {
  strategy: CheckEntityStrategy | null;
  push?: PushMonitor | undefined;
}

/**
 * The context with `push` set, or cleared. Cleared is `undefined`, not a missing key: `assign`
 * merges into the old context, so only a value overwrites it (JSON then drops the field).
 */
function withPush(context: CheckContext, push: PushMonitor | null): CheckContext {
  return { ...context, push: push ?? undefined };
}

/** Pure reducer: the context after `event`, or null when the event does not apply to this context. */
function apply(context: CheckContext, event: CheckEvent): CheckContext | null {
  const strategy = context.strategy;
  switch (event.type) {
    case 'create': {
      const created = { ...context, systemId: event.systemId, strategy: event.strategy, intervalMs: event.intervalMs, satelliteIds: event.satelliteIds };
      return withPush(created, event.strategy.kind === 'push' ? startPushMonitor(event.strategy, event.at) : null);
    }
    case 'update': {
      const next = event.strategy ?? strategy;
      const satelliteIds = event.satelliteIds ?? context.satelliteIds;
      if (next?.kind === 'push' && satelliteIds.length > 0) return null;
      const updated = { ...context, strategy: next, intervalMs: event.intervalMs ?? context.intervalMs, satelliteIds };
      if (next?.kind !== 'push') return withPush(updated, null);
      // Repeating the current strategy keeps the monitor as it is (an equal state: nothing stored).
      if (context.push === undefined || strategy?.kind !== 'push') return withPush(updated, startPushMonitor(next, event.at));
      return withPush(updated, jsonEqual(next, strategy) ? context.push : retunePushMonitor(context.push, next));
    }
    case 'ping':
      if (strategy?.kind !== 'push' || context.push === undefined) return null;
      return withPush(context, pingPushMonitor(context.push, strategy, event));
    case 'push_due': {
      if (strategy?.kind !== 'push' || context.push === undefined) return null;
      const push = pushDeadlinePassed(context.push, strategy, event);
      return push === null ? null : withPush(context, push);
    }
    case 'delete':
      return context;
  }
}

export const checkMachine = setup({
  types: {} as { context: CheckContext; events: CheckEvent; input: EntityInput },
  guards: {
    applies: ({ context, event }) => apply(context, event) !== null,
  },
  actions: {
    apply: assign(({ context, event }) => apply(context, event) ?? context),
  },
}).createMachine({
  id: 'check',
  context: ({ input }) => ({ id: input.id, systemId: '', strategy: null, intervalMs: 60_000, satelliteIds: [] }),
  initial: 'absent',
  states: {
    absent: {
      on: { create: { target: 'active', actions: 'apply' } },
    },
    active: {
      on: {
        update: { guard: 'applies', actions: 'apply' },
        ping: { guard: 'applies', actions: 'apply' },
        push_due: { guard: 'applies', actions: 'apply' },
        delete: { target: 'deleted' },
      },
    },
    deleted: { type: 'final' },
  },
});

/**
 * Check entities: reactive state while `active`, null before `create` and after `delete`; a push
 * check has one durable timer (`push`, sending `push_due` at `push.dueAt`), other checks none.
 */
export const checkDefinition = defineCatalogEntity({
  kind: 'check',
  machine: checkMachine,
  machineVersion: checkMachineVersion,
  eventSchema: checkEventSchema,
  stateSchema: checkStateSchema as unknown as z.ZodType<Record<string, unknown>>,
  internalEventTypes: ['push_due'],
  timers: (snapshot): DurableTimer[] => {
    const push = snapshot.value === 'active' ? snapshot.context.push : undefined;
    return push ? [{ name: 'push', dueAt: push.dueAt, event: { type: 'push_due', dueAt: push.dueAt } }] : [];
  },
});
