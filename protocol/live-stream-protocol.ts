// `import * as z` as in the other files of `protocol/` (a browser bundle keeps only what it uses).
import * as z from 'zod';
import { storableInput } from './storable-text.ts';

/**
 * The live stream for browsers, version 1 (see docs/PROTOCOL.md, "Live stream"): one WebSocket per
 * browser on any node, authenticated by the first frame, carrying entity changes and trigger
 * envelopes as they are committed, with a resumable cursor. Depends on nothing but zod, so the
 * operator console can validate the same frames.
 */
export const LIVE_STREAM_PATH = '/stream/v1';

/** Close codes of the live stream (4000-4999 are the application's range). */
export enum LiveStreamCloseCode {
  /** The node is shutting down: reconnect (to any node) with the newest cursor. */
  Shutdown = 4000,
  /** The client did not read fast enough: what waited for it passed the node's limit. */
  TooSlow = 4008,
  /** The first frame was not JSON or not a valid `subscribe` frame, or a second frame was sent. */
  ProtocolError = 4400,
  /** No valid `subscribe` in time, a missing, invalid, revoked or expired token, or a role below viewer. */
  Unauthenticated = 4401,
  /** The node could not check the token or read the stream (database or NATS unavailable): retry later. */
  Unavailable = 4503,
}

/** Most ids, and most systems, one subscription may name. */
export const MAX_FILTER_IDS = 100;

const entityId = z.string().min(1).max(128).regex(/^[A-Za-z0-9_\-:@]+$/, 'ids are 1-128 characters of letters, digits, "_", "-", ":" or "@"');

/**
 * Where a client stands in the two streams: the entity stream and the trigger stream sequences of
 * the last message it was sent (or skipped by its filters). Opaque to clients: `<entity>.<trigger>`.
 */
export interface LiveCursor {
  entity: number;
  trigger: number;
}

const cursorPattern = /^(\d{1,15})\.(\d{1,15})$/;

export const liveCursorSchema = z.string().max(40).regex(cursorPattern, 'not a cursor of this stream');

export function encodeCursor(cursor: LiveCursor): string {
  return `${cursor.entity}.${cursor.trigger}`;
}

/** The cursor a `liveCursorSchema`-valid text stands for. */
export function decodeCursor(text: string): LiveCursor {
  const match = cursorPattern.exec(text);
  if (!match) throw new Error('not a cursor of this stream');
  return { entity: Number(match[1]), trigger: Number(match[2]) };
}

/**
 * The client's first (and only) frame. `kinds` is checked against the kinds the node hosts (the
 * caller passes them: this module does not import the machines). Every filter given must match
 * (see docs/PROTOCOL.md); absent means "any".
 */
export function liveSubscribeSchema(kinds: readonly [string, ...string[]]) {
  return storableInput(
    z.strictObject({
      type: z.literal('subscribe'),
      /** An API token (`vgl_…`), role viewer or stronger. */
      token: z.string().min(1).max(512),
      kinds: z.array(z.enum(kinds)).min(1).max(kinds.length).optional(),
      ids: z.array(entityId).min(1).max(MAX_FILTER_IDS).optional(),
      systems: z.array(entityId).min(1).max(MAX_FILTER_IDS).optional(),
      /** Also send trigger envelopes (default false). */
      triggers: z.boolean().optional(),
      /** A cursor received earlier: send everything after it first. */
      resume: liveCursorSchema.optional(),
    }),
  );
}
export type LiveSubscribe = z.infer<ReturnType<typeof liveSubscribeSchema>>;

/** Node → browser. `change` and `trigger` are the payloads exactly as on the JetStream streams. */
export const liveServerFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribed'), cursor: liveCursorSchema }),
  z.object({ type: z.literal('change'), cursor: liveCursorSchema, change: z.record(z.string(), z.unknown()) }),
  z.object({ type: z.literal('trigger'), cursor: liveCursorSchema, trigger: z.record(z.string(), z.unknown()) }),
  /** The resume cursor is older than what the streams keep (or not from them): reload, then carry on from `cursor`. */
  z.object({ type: z.literal('reset'), cursor: liveCursorSchema }),
  /** Sent just before a close with 4400, 4401 or 4503. */
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type LiveServerFrame = z.infer<typeof liveServerFrameSchema>;
