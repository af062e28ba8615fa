import { assign, setup } from 'xstate';
import { z } from 'zod';
import { defineEntity, type DurableTimer, type Timed } from './entity-definition.ts';
import type { EntityInput } from './shared-schemas.ts';

/**
 * A remote monitoring agent. registered → online ↔ offline, removed (final). Two facts, kept
 * apart: `connected` (a socket is open on some node: `connect` / `disconnect`) and the status
 * (heard from in time). While online it waits for a heartbeat before `heartbeatDueAt` (a durable
 * timer); when the runtime fires the timer (`heartbeat_timeout`) for the current deadline, at or
 * after it, the satellite goes offline with reason `heartbeat_lost` — also after its socket
 * closed, so a killed agent is first `disconnected`, then lost once the threshold has passed.
 * Stale or early timer events have no enabled transition.
 *
 * Version 2: `disconnect` no longer takes the satellite offline (version 1 did, with reason
 * `disconnected`); `connected` was added.
 */
export const satelliteMachineVersion = 2;

export const satelliteStatusSchema = z.enum(['registered', 'online', 'offline']);
export type SatelliteStatus = z.infer<typeof satelliteStatusSchema>;
export const offlineReasonSchema = z.enum(['heartbeat_lost']);
export type OfflineReason = z.infer<typeof offlineReasonSchema>;

const nameSchema = z.string().min(1).max(200);
const regionSchema = z.string().min(1).max(100);
/** Milliseconds without a heartbeat before an online satellite is considered lost (1 s .. 1 day). */
const thresholdSchema = z.number().int().min(1000).max(86_400_000);

export const satelliteEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('register'), name: nameSchema, region: regionSchema, heartbeatThresholdMs: thresholdSchema.default(45_000) }),
  z.object({ type: z.literal('update'), name: nameSchema.optional(), region: regionSchema.optional(), heartbeatThresholdMs: thresholdSchema.optional() }),
  z.object({ type: z.literal('connect') }),
  z.object({ type: z.literal('heartbeat') }),
  z.object({ type: z.literal('disconnect') }),
  /** Internal: sent by the runtime's durable timer, never accepted as a command. */
  z.object({ type: z.literal('heartbeat_timeout'), dueAt: z.number().int().nonnegative() }),
  z.object({ type: z.literal('remove') }),
]);
export type SatelliteEvent = Timed<z.output<typeof satelliteEventSchema>>;

export const satelliteStateSchema = z.object({
  id: z.string(),
  name: z.string(),
  region: z.string(),
  /** Mirrors the XState state; lets change consumers see the edge from `prev` and `next` alone. */
  status: satelliteStatusSchema,
  /** A socket of this satellite is open on some node (between `connect` and `disconnect`). */
  connected: z.boolean(),
  lastSeenAt: z.number().nullable(),
  heartbeatThresholdMs: z.number(),
  /** Epoch ms; non-null exactly while online. */
  heartbeatDueAt: z.number().nullable(),
  /** Non-null exactly while offline. */
  offlineReason: offlineReasonSchema.nullable(),
  registeredAt: z.number(),
});
export type SatelliteState = z.infer<typeof satelliteStateSchema>;

export type SatelliteContext = Omit<SatelliteState, 'status'>;

export const satelliteMachine = setup({
  types: {} as { context: SatelliteContext; events: SatelliteEvent; input: EntityInput },
  guards: {
    // At-most-once and never early, however often the runtime delivers the timer.
    isCurrentDeadline: ({ context, event }) =>
      event.type === 'heartbeat_timeout' && event.dueAt === context.heartbeatDueAt && event.at >= event.dueAt,
  },
  actions: {
    seen: assign(({ context, event }) => {
      // Never move backwards when node clocks disagree.
      const lastSeenAt = Math.max(event.at, context.lastSeenAt ?? event.at);
      return { lastSeenAt, heartbeatDueAt: lastSeenAt + context.heartbeatThresholdMs, offlineReason: null };
    }),
    goOffline: assign((_, params: { reason: OfflineReason }) => ({ heartbeatDueAt: null, offlineReason: params.reason })),
    connected: assign({ connected: true }),
    disconnected: assign({ connected: false }),
    update: assign(({ context, event }) => {
      if (event.type !== 'update') return {};
      const heartbeatThresholdMs = event.heartbeatThresholdMs ?? context.heartbeatThresholdMs;
      // A new threshold applies to the running deadline at once, counted from the last heartbeat.
      const heartbeatDueAt =
        context.heartbeatDueAt === null || context.lastSeenAt === null ? context.heartbeatDueAt : context.lastSeenAt + heartbeatThresholdMs;
      return { name: event.name ?? context.name, region: event.region ?? context.region, heartbeatThresholdMs, heartbeatDueAt };
    }),
  },
}).createMachine({
  id: 'satellite',
  context: ({ input }) => ({
    id: input.id,
    name: '',
    region: '',
    lastSeenAt: null,
    heartbeatThresholdMs: 45_000,
    heartbeatDueAt: null,
    offlineReason: null,
    registeredAt: 0,
    connected: false,
  }),
  initial: 'absent',
  states: {
    absent: {
      on: {
        register: {
          target: 'registered',
          actions: assign(({ event }) => ({
            name: event.name,
            region: event.region,
            heartbeatThresholdMs: event.heartbeatThresholdMs,
            registeredAt: event.at,
          })),
        },
      },
    },
    registered: {
      on: {
        update: { actions: 'update' },
        connect: { target: 'online', actions: ['seen', 'connected'] },
        heartbeat: { target: 'online', actions: 'seen' },
        remove: { target: 'removed' },
      },
    },
    online: {
      on: {
        update: { actions: 'update' },
        // A reconnect (possibly through another node) counts as being seen.
        connect: { actions: ['seen', 'connected'] },
        heartbeat: { actions: 'seen' },
        // The socket is gone, but the satellite was heard from recently: it stays online until its
        // heartbeat deadline passes (then heartbeat_lost), or it reconnects before.
        disconnect: { actions: 'disconnected' },
        heartbeat_timeout: { guard: 'isCurrentDeadline', target: 'offline', actions: { type: 'goOffline', params: { reason: 'heartbeat_lost' } } },
        remove: { target: 'removed', actions: assign({ heartbeatDueAt: null }) },
      },
    },
    offline: {
      on: {
        update: { actions: 'update' },
        connect: { target: 'online', actions: ['seen', 'connected'] },
        heartbeat: { target: 'online', actions: 'seen' },
        // A self target, because XState treats an empty transition as forbidden.
        disconnect: { target: 'offline', actions: 'disconnected' },
        remove: { target: 'removed' },
      },
    },
    removed: { type: 'final' },
  },
});

/** Satellite entities: reactive state from `register` until `remove`; one heartbeat timer while online. */
export const satelliteDefinition = defineEntity({
  kind: 'satellite',
  machine: satelliteMachine,
  machineVersion: satelliteMachineVersion,
  eventSchema: satelliteEventSchema,
  internalEventTypes: ['heartbeat_timeout'],
  stateSchema: satelliteStateSchema,
  toState: (snapshot) => {
    const status = snapshot.value;
    if (status === 'absent' || status === 'removed') return null;
    return { ...snapshot.context, status };
  },
  timers: (snapshot): DurableTimer[] => {
    const dueAt = snapshot.context.heartbeatDueAt;
    if (snapshot.value !== 'online' || dueAt === null) return [];
    return [{ name: 'heartbeat', dueAt, event: { type: 'heartbeat_timeout', dueAt } }];
  },
});
