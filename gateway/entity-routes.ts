import * as z from 'zod';
import { RuntimeError, type EntityRuntime, type RoutedDispatchOptions } from '../actors/index.ts';
import { commandIdSchema, entityChangeSchema, entityIdSchema, entityKinds, getEntityDefinition, listTriggers, type EntityChange } from '../machines/index.ts';
import type { EntityListQuery, EntityPage } from '../persistence/index.ts';
import { defineRoute } from './api-route.ts';
import type { ApiRouter } from './api-router.ts';
import { entityTransitionSchema, entityViewSchema, jsonObjectSchema } from './api-schemas.ts';
import { HttpRequestError } from './http-errors.ts';

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

/** Kind and id in the path; the kind is checked by the runtime (404 UNKNOWN_KIND), the id by it too (400 INVALID_ID). */
const kindParams = z.strictObject({ kind: z.string().max(64).meta({ description: `One of ${entityKinds.join(', ')}` }) });
const kindIdParams = kindParams.extend({ id: z.string().max(1_000).meta({ description: 'Entity id (percent-decoded)' }) });
const digits = (description: string) => z.string().regex(/^\d{1,9}$/, 'a whole number').transform(Number).optional().meta({ description });

const entityPageSchema = z
  .object({
    items: z.array(z.object({ kind: z.string(), id: z.string(), version: z.number(), state: jsonObjectSchema, stateValue: z.unknown(), updatedAt: z.number() })),
    next: z.string().nullable(),
  })
  .meta({ id: 'EntityPage' });

const triggerListingSchema = z
  .object({
    id: z.string(),
    displayName: z.string(),
    category: z.string(),
    description: z.string(),
    contextKey: z.string(),
    lasting: z.string().optional(),
    payloadJsonSchema: jsonObjectSchema,
  })
  .meta({ id: 'Trigger' });

/**
 * The generic entity API (docs/PROTOCOL.md, "HTTP"): reading an entity and its history (viewer),
 * sending it an event (operator, public commands only), the trigger registry (viewer). The
 * change's `cause.actor` is the caller's token (`token:<name>`); `Vigil-Actor` and `Vigil-Run-Id`
 * headers from outside are ignored.
 */
export function serveEntityRoutes(router: ApiRouter, options: EntityRoutesOptions): void {
  const { runtime } = options;

  router.json(
    defineRoute({
      method: 'get',
      path: '/triggers',
      access: 'viewer',
      action: 'read triggers',
      tag: 'Automations',
      summary: 'Every trigger event automations can start on, with its payload JSON Schema',
      response: z.object({ triggers: z.array(triggerListingSchema) }),
      handle: async () => ({ triggers: listTriggers() }),
    }),
  );

  router.json(
    defineRoute({
      method: 'get',
      path: '/entities/{kind}',
      access: 'viewer',
      action: 'list entities',
      tag: 'Entities',
      summary: 'A page of live entities of one kind, in id order (or the most recently changed)',
      description: 'Unknown query parameters are refused. `filter.<field>=<text>` (at most 4) keeps entities whose top-level state field equals the text.',
      params: kindParams,
      query: z.looseObject({
        limit: digits('1-1000 (default 100)'),
        after: z.string().max(200).optional().meta({ description: "The previous page's `next` (id order only)" }),
        order: z.enum(['id', 'recent']).optional().meta({ description: 'id (default, paged) or recent (most recently changed first, one page)' }),
      }),
      response: entityPageSchema,
      errors: ['UNKNOWN_KIND'],
      handle: async ({ params: { kind }, query }) => {
        if (!getEntityDefinition(kind)) throw RuntimeError.unknownKind(kind, entityKinds);
        return options.list(listQuery(kind, query));
      },
    }),
  );

  router.json(
    defineRoute({
      method: 'get',
      path: '/entities/{kind}/{id}',
      access: 'viewer',
      action: 'read entities',
      tag: 'Entities',
      summary: "An entity's committed state (version 0 and state null when it never existed)",
      params: kindIdParams,
      response: entityViewSchema,
      errors: ['UNKNOWN_KIND', 'INVALID_ID'],
      handle: async ({ params: { kind, id } }) => runtime.get(kind, id),
    }),
  );

  router.json(
    defineRoute({
      method: 'get',
      path: '/entities/{kind}/{id}/history',
      access: 'viewer',
      action: 'read entity history',
      tag: 'Entities',
      summary: "An entity's committed transitions, oldest first, with their causes",
      params: kindIdParams,
      query: z.strictObject({ fromVersion: digits('First version (default 1)'), limit: digits('1-1000 (default 100)') }),
      response: z.object({ transitions: z.array(entityTransitionSchema) }),
      errors: ['UNKNOWN_KIND', 'INVALID_ID'],
      handle: async ({ params: { kind, id }, query }) => {
        const fromVersion = Math.max(1, query.fromVersion ?? 1);
        const limit = Math.min(1000, Math.max(1, query.limit ?? 100));
        return { transitions: await runtime.history(kind, id, { fromVersion, limit }) };
      },
    }),
  );

  router.json(
    defineRoute({
      method: 'post',
      path: '/entities/{kind}/{id}/events',
      access: 'operator',
      action: 'send commands',
      tag: 'Entities',
      summary: 'Sends one event (a command) to an entity; answers the committed change, or null when nothing changed',
      description: 'The body is one of the kind\'s public events (docs/PROTOCOL.md, "Entity kinds and their events"). `Vigil-Command-Id` makes it idempotent.',
      params: kindIdParams,
      body: jsonObjectSchema.meta({ description: "An event of the kind: `{ \"type\": ..., ...fields }`" }),
      bodyErrorCode: 'INVALID_EVENT',
      headers: z.object({
        'vigil-command-id': commandIdSchema.optional().meta({ description: 'Idempotency key: a command with a key already committed for this entity is not applied again' }),
      }),
      response: z.object({ change: entityChangeSchema.nullable() }),
      errors: ['UNKNOWN_KIND', 'INVALID_ID', 'INVALID_EVENT', 'EVENT_NOT_ALLOWED', 'VERSION_CONFLICT', 'TIMEOUT', 'NOT_OWNER'],
      handle: async ({ principal, params: { kind, id }, body, headers }) => {
        // The router checks the event (unknown kind 404, invalid event 400), then who may send it (403).
        const change = await options.dispatch(kind, id, body, { caller: principal!, commandId: headers['vigil-command-id'], timeoutMs: options.commandTimeoutMs });
        return { change };
      },
    }),
  );
}

/** The list query of `GET /entities/<kind>?after=&limit=&filter.<field>=`; a bad parameter is a 400 naming it. */
function listQuery(kind: string, query: Record<string, unknown>): EntityListQuery {
  const limit = typeof query.limit === 'number' ? query.limit : 100;
  if (limit < 1 || limit > 1000) throw new HttpRequestError('INVALID_REQUEST', 'limit must be a whole number from 1 to 1000');
  const after = typeof query.after === 'string' ? query.after : undefined;
  if (after !== undefined && !entityIdSchema.safeParse(after).success) throw new HttpRequestError('INVALID_REQUEST', "after must be an entity id (the previous page's next)");
  const order = (query.order as 'id' | 'recent' | undefined) ?? 'id';
  if (order === 'recent' && after !== undefined) throw new HttpRequestError('INVALID_REQUEST', 'after pages id order only');
  const where: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) {
    if (name === 'limit' || name === 'after' || name === 'order') continue;
    const field = name.startsWith(FILTER_PREFIX) ? name.slice(FILTER_PREFIX.length) : '';
    if (!filterFieldPattern.test(field)) throw new HttpRequestError('INVALID_REQUEST', `unknown query parameter "${name.slice(0, 80)}" (use limit, after, order or filter.<field>)`);
    if (!entityIdSchema.safeParse(value).success) throw new HttpRequestError('INVALID_REQUEST', `${name}: a filter value is 1-128 characters of letters, digits, "_", "-", ":" or "@"`);
    where[field] = String(value);
  }
  if (Object.keys(where).length > 4) throw new HttpRequestError('INVALID_REQUEST', 'at most 4 filters');
  return { kind, limit, order, ...(after !== undefined ? { after } : {}), where };
}
