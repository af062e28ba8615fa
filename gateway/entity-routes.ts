import type uWS from 'uWebSockets.js';
import { RuntimeError, type EntityRuntime, type RoutedDispatchOptions } from '../actors/index.ts';
import { commandIdSchema, entityIdSchema, entityKinds, getEntityDefinition, listTriggers, type EntityChange } from '../machines/index.ts';
import type { EntityListQuery, EntityPage } from '../persistence/index.ts';
import { HttpRequestError } from './http-errors.ts';
import { serveRoute, type RouteContext } from './http-route.ts';

export interface EntityRoutesOptions {
  runtime: EntityRuntime;
  /** Sends a command to the entity's owner (the node's router), which authorizes its `caller`. */
  dispatch: (kind: string, id: string, event: unknown, options: RoutedDispatchOptions) => Promise<EntityChange | null>;
  /** POST …/events answers 504 TIMEOUT after this long (the event may still commit). */
  commandTimeoutMs: number;
  /** A page of live entities of one kind (read from PostgreSQL). */
  list: (query: EntityListQuery) => Promise<EntityPage>;
}

/** `filter.<field>=<text>` query parameters: top-level state fields, at most 4. */
const FILTER_PREFIX = 'filter.';
const filterFieldPattern = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/**
 * The entity API (docs/PROTOCOL.md, "HTTP"): reading an entity and its history (viewer), sending it
 * an event (operator, public commands only), the trigger registry (viewer). The change's
 * `cause.actor` is the caller's token (`token:<name>`); `Vigil-Actor` and `Vigil-Run-Id` headers
 * from outside are ignored.
 */
export function serveEntityRoutes(app: uWS.TemplatedApp, options: EntityRoutesOptions, context: RouteContext): void {
  const { runtime } = options;

  serveRoute(app, 'get', '/triggers', { role: 'viewer', action: 'read triggers', handle: async () => ({ body: { triggers: listTriggers() } }) }, context);

  serveRoute(
    app,
    'get',
    '/entities/:kind',
    {
      role: 'viewer',
      action: 'list entities',
      handle: async ({ params: [kind], query }) => {
        if (!getEntityDefinition(kind!)) throw RuntimeError.unknownKind(kind!, entityKinds);
        return { body: await options.list(listQuery(kind!, query)) };
      },
    },
    context,
  );

  serveRoute(app, 'get', '/entities/:kind/:id', { role: 'viewer', action: 'read entities', handle: async ({ params: [kind, id] }) => ({ body: await runtime.get(kind!, id!) }) }, context);

  serveRoute(
    app,
    'get',
    '/entities/:kind/:id/history',
    {
      role: 'viewer',
      action: 'read entity history',
      handle: async ({ params: [kind, id], query }) => {
        const fromVersion = Math.max(1, Number(query.get('fromVersion') ?? 1) || 1);
        const limit = Math.min(1000, Math.max(1, Number(query.get('limit') ?? 100) || 100));
        return { body: { transitions: await runtime.history(kind!, id!, { fromVersion, limit }) } };
      },
    },
    context,
  );

  serveRoute(
    app,
    'post',
    '/entities/:kind/:id/events',
    {
      role: 'operator',
      action: 'send commands',
      body: true,
      bodyErrorCode: 'INVALID_EVENT',
      headers: ['vigil-command-id'],
      handle: async ({ principal, params: [kind, id], body, headers }) => {
        const commandId = headers['vigil-command-id'] || undefined;
        if (commandId !== undefined && !commandIdSchema.safeParse(commandId).success) {
          throw new HttpRequestError('INVALID_EVENT', 'Vigil-Command-Id must be 1-128 printable ASCII characters without spaces');
        }
        // The router checks the event (unknown kind 404, invalid event 400), then who may send it (403).
        const change = await options.dispatch(kind!, id!, body, { caller: principal, commandId, timeoutMs: options.commandTimeoutMs });
        return { body: { change } };
      },
    },
    context,
  );
}

/** The list query of `GET /entities/<kind>?after=&limit=&filter.<field>=`; a bad parameter is a 400 naming it. */
function listQuery(kind: string, query: URLSearchParams): EntityListQuery {
  const limitText = query.get('limit') ?? '100';
  const limit = Number(limitText);
  if (!/^\d+$/.test(limitText) || limit < 1 || limit > 1000) throw new HttpRequestError('INVALID_REQUEST', 'limit must be a whole number from 1 to 1000');
  const after = query.get('after') ?? undefined;
  if (after !== undefined && !entityIdSchema.safeParse(after).success) throw new HttpRequestError('INVALID_REQUEST', 'after must be an entity id (the previous page\'s next)');
  const where: Record<string, string> = {};
  const order = query.get('order') ?? 'id';
  if (order !== 'id' && order !== 'recent') throw new HttpRequestError('INVALID_REQUEST', 'order is "id" (paged with after) or "recent" (most recently changed first, one page)');
  if (order === 'recent' && after !== undefined) throw new HttpRequestError('INVALID_REQUEST', 'after pages id order only');
  for (const [name, value] of query) {
    if (name === 'limit' || name === 'after' || name === 'order') continue;
    const field = name.startsWith(FILTER_PREFIX) ? name.slice(FILTER_PREFIX.length) : '';
    if (!filterFieldPattern.test(field)) throw new HttpRequestError('INVALID_REQUEST', `unknown query parameter "${name.slice(0, 80)}" (use limit, after, order or filter.<field>)`);
    if (!entityIdSchema.safeParse(value).success) throw new HttpRequestError('INVALID_REQUEST', `${name}: a filter value is 1-128 characters of letters, digits, "_", "-", ":" or "@"`);
    where[field] = value;
  }
  if (Object.keys(where).length > 4) throw new HttpRequestError('INVALID_REQUEST', 'at most 4 filters');
  return { kind, limit, order, ...(after !== undefined ? { after } : {}), where };
}
