import * as z from 'zod';
import { RuntimeError } from '../actors/index.ts';
import { generatePushToken, hashPushToken } from '../auth/index.ts';
import { entityIdSchema, PUSH_MESSAGE_LIMIT, pushPingStatusSchema, type EntityChange } from '../machines/index.ts';
import { truncateText } from '../protocol/storable-text.ts';
import { TokenBucket } from '../protocol/token-bucket.ts';
import { defineRoute } from './api-route.ts';
import type { ApiRouter } from './api-router.ts';
import { HttpRequestError } from './http-errors.ts';

/** What the push routes need; the node wires the token store, its command router and the check reader. */
export interface PushRouteOptions {
  tokens: {
    put(checkId: string, tokenHash: string, at: number): Promise<void>;
    checkOf(tokenHash: string): Promise<string | null>;
    remove(checkId: string): Promise<boolean>;
  };
  /** Sends a `ping` to the check (through the node's router: the owner commits it). */
  dispatch: (kind: string, id: string, event: unknown, options: { actor: string }) => Promise<EntityChange | null>;
  /** The check's reactive state now, or null when it does not exist. */
  readCheck: (checkId: string) => Promise<Record<string, unknown> | null>;
  /** Epoch ms on the cluster's clock. */
  clock: () => number;
  /** Pings per second each token may send on one node, sustained (default 1), and in a burst (default 10). */
  rate?: { perSecond: number; burst: number };
}

/** Buckets kept at most (one per push check that pinged this node); past it they start afresh. */
const MAX_BUCKETS = 10_000;

/** Longest `message` accepted; it is cut to `PUSH_MESSAGE_LIMIT` characters before it is stored. */
const MESSAGE_INPUT_LIMIT = 10_000;

const pingFields = {
  status: pushPingStatusSchema.optional().meta({ description: '`up` (default): the job ran fine; `down`: it failed (a `reported` failure)' }),
  message: z.string().max(MESSAGE_INPUT_LIMIT).optional().meta({ description: `What the job says (first ${PUSH_MESSAGE_LIMIT} characters kept)` }),
};

/** Refused the same way whether the token never existed, was rotated, or its check is gone or no longer a push check. */
const unknownToken = () => new HttpRequestError('NOT_FOUND', 'no push monitor has this token');

/**
 * Push (heartbeat) monitors: `POST /push/<token>` (public: the token is the credential), which a
 * job calls to say it ran, and `POST /checks/<id>/push-token` (operator), which issues or rotates
 * a push check's token and answers it, once. Tokens are stored only as SHA-256 hashes and found by
 * that hash, so comparing takes no time that depends on the token; an unknown token is 404; a
 * token's pings are rate-limited per node. The token never reaches a log or a metric label (the
 * route is counted by its template, `/push/{token}`).
 */
export function servePushRoutes(router: ApiRouter, options: PushRouteOptions): void {
  const { perSecond, burst } = options.rate ?? { perSecond: 1, burst: 10 };
  const buckets = new Map<string, TokenBucket>();
  const admit = (checkId: string) => {
    const now = Date.now();
    let bucket = buckets.get(checkId);
    if (!bucket) {
      if (buckets.size >= MAX_BUCKETS) buckets.clear();
      buckets.set(checkId, (bucket = new TokenBucket(perSecond, burst, now)));
    }
    if (!bucket.take(now)) {
      throw new HttpRequestError('RATE_LIMITED', `more than ${burst} pings at once or ${perSecond} per second for this push monitor`, { retryAfterSeconds: Math.max(1, Math.ceil(bucket.waitMs(now) / 1000)) });
    }
  };

  router.json(
    defineRoute({
      method: 'post',
      path: '/push/{token}',
      access: 'public',
      action: 'ping push monitors',
      tag: 'Push monitors',
      summary: "A push monitor's job says it ran (the token in the path is its credential)",
      description:
        'Resets the deadline of the push check whose token this is: without a ping for its `periodMs` plus `graceMs`, the check fails (`missed`). ' +
        '`status` and `message` may come as query parameters or as a JSON body (not both); a body-less POST is an `up` ping: ' +
        '`curl -fsS -X POST https://vigil.example/push/<token>`. Answered once the ping is committed.',
      params: z.strictObject({ token: z.string().max(512).meta({ description: 'The push token (vgp_…)' }) }),
      query: z.strictObject(pingFields),
      body: z.strictObject(pingFields),
      optionalBody: true,
      response: z.object({
        checkId: z.string(),
        status: pushPingStatusSchema,
        receivedAt: z.number().meta({ description: 'Epoch ms the ping was committed with (its `executedAt` in results)' }),
      }),
      errors: ['NOT_FOUND', 'RATE_LIMITED'],
      handle: async ({ params, query, body }) => {
        // Looked up by hash: any text hashes in the same time, so unknown and malformed tokens alike are 404.
        const checkId = await options.tokens.checkOf(hashPushToken(params.token));
        if (checkId === null) throw unknownToken();
        admit(checkId);
        const fromQuery = query.status !== undefined || query.message !== undefined;
        const fromBody = body.status !== undefined || body.message !== undefined;
        if (fromQuery && fromBody) throw new HttpRequestError('INVALID_REQUEST', 'give status and message in the query or in the body, not both');
        const status = (fromBody ? body.status : query.status) ?? 'up';
        const message = fromBody ? body.message : query.message;
        const event = { type: 'ping', status, ...(message !== undefined ? { message: truncateText(message, PUSH_MESSAGE_LIMIT) } : {}) };
        let change: EntityChange | null;
        try {
          change = await options.dispatch('check', checkId, event, { actor: `push:${checkId}` });
        } catch (error) {
          // The check was deleted, or is no longer a push check (its token is being removed).
          if (error instanceof RuntimeError && error.code === 'EVENT_NOT_ALLOWED') throw unknownToken();
          throw error;
        }
        return { checkId, status, receivedAt: change?.at ?? options.clock() };
      },
    }),
  );

  router.json(
    defineRoute({
      method: 'post',
      path: '/checks/{id}/push-token',
      access: 'operator',
      action: 'issue push tokens',
      tag: 'Push monitors',
      summary: "Issues (or rotates) a push check's token; the answer is the only time it is shown",
      description: 'The previous token, if any, stops working at once. The job then pings `POST /push/<token>`.',
      params: z.strictObject({ id: entityIdSchema.meta({ description: 'Check id' }) }),
      status: 201,
      response: z.object({
        checkId: z.string(),
        token: z.string().meta({ description: 'The push token (vgp_…): store it now' }),
        path: z.string().meta({ description: '`/push/<token>`: the path to ping on any node' }),
      }),
      errors: ['NOT_FOUND', 'CONFLICT'],
      handle: async ({ params: { id } }) => {
        const isPush = async () => {
          const check = await options.readCheck(id);
          if (check === null) throw new HttpRequestError('NOT_FOUND', `no check "${id}"`);
          return (check.strategy as { kind?: string } | null)?.kind === 'push';
        };
        if (!(await isPush())) throw new HttpRequestError('CONFLICT', `check "${id}" is not a push check (strategy kind "push")`);
        const token = generatePushToken();
        await options.tokens.put(id, hashPushToken(token), options.clock());
        // Changed meanwhile (deleted, or no longer push): its token must not outlive that.
        if (!(await isPush().catch(() => false))) {
          await options.tokens.remove(id);
          throw new HttpRequestError('CONFLICT', `check "${id}" changed while its token was issued; try again`);
        }
        return { checkId: id, token, path: `/push/${token}` };
      },
    }),
  );
}
