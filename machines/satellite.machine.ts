import { assign, setup } from 'xstate';
import { z } from 'zod';
import { durationMs } from '../protocol/duration.ts';
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
 *
 * Version 3: `connect` records the connection (`session`: the node holding the socket and the
 * socket's id), the latest `connect` wins; `disconnect` names the session it ends and is refused
 * when another session is current, so the close of an old socket (or a node cleaning up after a
 * dead one) never disconnects a newer connection. A v2 snapshot has no `session` and reads as
 * `null`; an event without a session id (v2 callers, operators) applies as before.
 */
export const satelliteMachineVersion = 3;

export const satelliteStatusSchema = z.enum(['registered', 'online', 'offline']);
export type SatelliteStatus = z.infer<typeof satelliteStatusSchema>;
export const offlineReasonSchema = z.enum(['heartbeat_lost']);
export type OfflineReason = z.infer<typeof offlineReasonSchema>;

const nameSchema = z.string().min(1).max(200);
const regionSchema = z.string().min(1).max(100);
/** Milliseconds without a heartbeat before an online satellite is considered lost (1 s .. 1 day). */
/** Silence after which the satellite counts as lost: 1 s to 1 day, as ms or a duration ("45s"). */
const thresholdSchema = durationMs({ min: 1000, max: 86_400_000 });
const sessionIdSchema = z.string().min(1).max(128);

/** One connection of a satellite: the node that holds its socket and the socket's id. */
export const satelliteSessionSchema = z.object({
  node: z.string().min(1).max(64),
  id: sessionIdSchema,
  /** What the agent says it is (its upgrade request's `User-Agent`, e.g. `vigil-satellite/0.1.0 node/24.1.0`); absent when it said nothing. */
  agent: z.string().max(200).optional(),
});
export type SatelliteSessionRef = z.infer<typeof satelliteSessionSchema>;

export const satelliteEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('register'), name: nameSchema, region: regionSchema, heartbeatThresholdMs: thresholdSchema.default(45_000) }),
  z.object({ type: z.literal('update'), name: nameSchema.optional(), region: regionSchema.optional(), heartbeatThresholdMs: thresholdSchema.optional() }),
  /** A socket opened; `session` names it (the gateway always sends it). */
  z.object({ type: z.literal('connect'), session: satelliteSessionSchema.optional() }),
  z.object({ type: z.literal('heartbeat') }),
  /** A socket closed; with `sessionId`, only if that session is the current one. */
  z.object({ type: z.literal('disconnect'), sessionId: sessionIdSchema.optional() }),
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
  /** The connection that made it connected (null when not connected, or connected without a session). */
  session: satelliteSessionSchema.nullable(),
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
    // A v2 snapshot has no session (undefined): any disconnect applies to it, as in v2.
    isCurrentSession: ({ context, event }) =>
      event.type === 'disconnect' && (event.sessionId === undefined || (context.session ?? null) === null || context.session!.id === event.sessionId),
  },
  actions: {
    seen: assign(({ context, event }) => {
      // Never move backwards when node clocks disagree.
      const lastSeenAt = Math.max(event.at, context.lastSeenAt ?? event.at);
      return { lastSeenAt, heartbeatDueAt: lastSeenAt + context.heartbeatThresholdMs, offlineReason: null };
    }),
    goOffline: assign((_, params: { reason: OfflineReason }) => ({ heartbeatDueAt: null, offlineReason: params.reason })),
    connected: assign(({ event }) => ({ connected: true, session: event.type === 'connect' ? (event.session ?? null) : null })),
    disconnected: assign({ connected: false, session: null }),
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
    session: null,
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
        // heartbeat deadline passes (then heartbeat_lost), or it reconnects before. The close of
        // a socket that is no longer the current one is refused.
        disconnect: { guard: 'isCurrentSession', actions: 'disconnected' },
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
        disconnect: { guard: 'isCurrentSession', target: 'offline', actions: 'disconnected' },
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
    return { ...snapshot.context, session: snapshot.context.session ?? null, status };
  },
  timers: (snapshot): DurableTimer[] => {
    const dueAt = snapshot.context.heartbeatDueAt;
    if (snapshot.value !== 'online' || dueAt === null) return [];
    return [{ name: 'heartbeat', dueAt, event: { type: 'heartbeat_timeout', dueAt } }];
  },
});
