// `import * as z` rather than `{ z }`, here and in the other files the agent bundles: the bundler
// then keeps only the parts of zod in use (with `{ z }` it keeps all of zod's locales, 250 KiB).
import * as z from 'zod';
import { assignmentSchema } from './check-strategy.ts';
import { checkErrorSchema, checkMeasuredSchema, checkTimingsSchema } from './check-result.ts';
import { storableInput } from './storable-text.ts';

export { assignmentSchema, checkStrategySchema, type Assignment, type CheckStrategy } from './check-strategy.ts';

/**
 * The satellite WebSocket protocol, version 1 (see docs/PROTOCOL.md, "Satellites"). Shared by
 * the gateway and the agent; depends on nothing but zod. Every frame is one JSON text message.
 */
export const SATELLITE_PROTOCOL_VERSION = 1;

/** Path of the WebSocket endpoint on every node. */
export const SATELLITE_PATH = '/satellite/v1';

/** Close codes the gateway uses (4000-4999 are the application's range). */
export enum SatelliteCloseCode {
  /** Normal close: the node is shutting down. */
  Shutdown = 4000,
  /** A frame was not valid JSON, or not a valid message of this protocol version. */
  ProtocolError = 4400,
  /**
   * The credential this connection authenticated with is no longer valid: the satellite's token
   * was rotated or the satellite removed. Reconnecting with the old token gets 401.
   */
  Revoked = 4401,
  /** A newer connection of the same satellite took over. */
  Replaced = 4409,
  /** More frames per second than allowed. */
  RateLimited = 4429,
  /** The satellite did not read what was sent to it (backpressure limit). */
  TooSlow = 4430,
  /** The node failed to handle the connection. */
  Internal = 4500,
}

const satelliteId = z.string().min(1).max(128).regex(/^[A-Za-z0-9_\-:@]+$/);

/**
 * Satellite → Vigil. A frame holding text PostgreSQL cannot store (NUL, an unpaired surrogate,
 * anywhere in it) or nested deeper than 64 levels is invalid, like any other invalid frame.
 */
export const satelliteMessageSchema = storableInput(z.discriminatedUnion('type', [
  z.object({
    type: z.literal('heartbeat'),
    agentVersion: z.string().max(64),
    uptimeSeconds: z.number().nonnegative(),
  }),
  z.object({
    type: z.literal('result'),
    /** Unique per result: a result sent twice (retry, reconnect, another node) counts once. */
    resultId: z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/),
    checkId: z.string().min(1).max(128).regex(/^[^@\s]+$/),
    systemId: satelliteId,
    status: z.enum(['up', 'down']),
    latencyMs: z.number().nonnegative().max(3_600_000),
    detail: z.string().max(2000).default(''),
    /** Epoch ms on the satellite's clock. */
    executedAt: z.number().int().nonnegative(),
    /** Why it failed (only with `status: 'down'`); `detail` repeats its message for older readers. */
    error: checkErrorSchema.optional(),
    /** Milliseconds per phase (DNS, connect, TLS, first byte, total) where they apply. */
    timings: checkTimingsSchema.optional(),
    /** What the strategy measured: status code, certificate days left, DNS answers, … */
    measured: checkMeasuredSchema.optional(),
  }),
  z.object({
    type: z.literal('check_error'),
    checkId: z.string().min(1).max(128),
    message: z.string().max(2000),
  }),
]));
export type SatelliteMessage = z.infer<typeof satelliteMessageSchema>;

/**
 * Why a result was refused (never stored; the satellite drops it and does not send it again):
 * - `CHECK_NOT_ASSIGNED`: no active check with this id is assigned to this satellite.
 * - `SYSTEM_MISMATCH`: the check is assigned to it, but belongs to another system.
 * - `EXECUTED_IN_FUTURE`: `executedAt` is further ahead of the node's clock than the node allows.
 * - `EXECUTED_TOO_LONG_AGO`: `executedAt` is older than the node accepts.
 */
export const resultRefusalCodeSchema = z.enum(['CHECK_NOT_ASSIGNED', 'SYSTEM_MISMATCH', 'EXECUTED_IN_FUTURE', 'EXECUTED_TOO_LONG_AGO']);
export type ResultRefusalCode = z.infer<typeof resultRefusalCodeSchema>;

/** One refused result: its id, why, and a sentence for the satellite's log. */
export const resultRefusalSchema = z.object({ resultId: z.string(), code: resultRefusalCodeSchema, message: z.string() });
export type ResultRefusal = z.infer<typeof resultRefusalSchema>;

/** Vigil → satellite. */
export const gatewayMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('authenticated'), satelliteId, protocol: z.literal(SATELLITE_PROTOCOL_VERSION), assignments: z.array(assignmentSchema) }),
  z.object({ type: z.literal('assignments_updated'), assignments: z.array(assignmentSchema) }),
  /** These results are committed into health and the check history (or were duplicates): the satellite may forget them. */
  z.object({ type: z.literal('results_acked'), resultIds: z.array(z.string()) }),
  /** These results were refused and are not stored: the satellite must drop them, not send them again. */
  z.object({ type: z.literal('results_refused'), results: z.array(resultRefusalSchema) }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
  z.object({ type: z.literal('shutdown'), reason: z.string() }),
]);
export type GatewayMessage = z.infer<typeof gatewayMessageSchema>;

/**
 * Satellites authenticate in the WebSocket upgrade request:
 * `Authorization: Bearer <satelliteId>.<secret>` — a missing or wrong token never gets a socket.
 */
export function parseSatelliteToken(header: string): { satelliteId: string; secret: string } | null {
  const match = /^Bearer ([A-Za-z0-9_\-:@]{1,128})\.([A-Za-z0-9_-]{20,200})$/.exec(header.trim());
  return match ? { satelliteId: match[1]!, secret: match[2]! } : null;
}
