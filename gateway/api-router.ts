import type uWS from 'uWebSockets.js';
import type { Logger } from 'pino';
import type * as z from 'zod';
import { authorizeRole, type Principal, type TokenAuthenticator } from '../auth/index.ts';
import type { ApiRoute, HttpMethod, RawRoute } from './api-route.ts';
import { unstorableCodeUnit, unstorableMessage } from '../protocol/storable-text.ts';
import { HttpRequestError, answerError, invalidRequest } from './http-errors.ts';
import { UNMATCHED_ROUTE, type AnsweredRequest, type HttpObserver } from './http-observer.ts';
import { SafeResponse } from './http-response.ts';

export interface RouterContext {
  authenticator: TokenAuthenticator;
  log: Logger;
  /** Counts every answered request by its route's documented path (or `unmatched`), see metrics/. */
  observer?: HttpObserver;
}

/** A route as the OpenAPI document lists it. */
export type DocumentedRoute = { kind: 'json'; route: ApiRoute } | { kind: 'raw'; route: RawRoute };

const uwsMethod = { get: 'get', post: 'post', put: 'put', delete: 'del' } as const;

/**
 * The one place where HTTP routes are registered on the node's uWebSockets.js app, so that every
 * route served is a route documented in `/openapi.json` (a test checks no other file registers
 * one). JSON routes get, in this order: the token (401) and role (403) checks, the path, query and
 * header checks against their zod schemas (400), the body (400, 413) and its schema, then the
 * handler; every error is answered in the documented shape.
 */
export class ApiRouter {
  private readonly documented: DocumentedRoute[] = [];

  constructor(
    private readonly app: uWS.TemplatedApp,
    /** How requests are authenticated, logged and counted (raw routes use it too). */
    readonly context: RouterContext,
  ) {}

  /** Every route registered, in order. */
  get routes(): readonly DocumentedRoute[] {
    return this.documented;
  }

  json(route: ApiRoute): void {
    this.documented.push({ kind: 'json', route });
    const parameterNames = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
    const headerNames = route.headers ? Object.keys(route.headers.shape) : [];
    const { context } = this;
    const answered = this.answeredOf(route);
    this.app[uwsMethod[route.method]](toUwsPattern(route.path), (res, req) => {
      // Everything read from `req` is read before the first await (uWS reuses it).
      const authorization = req.getHeader('authorization');
      const rawParams = Object.fromEntries(parameterNames.map((name, index) => [name, decodeParameter(req.getParameter(index) ?? '')]));
      const rawQuery = req.getQuery() ?? '';
      const rawHeaders = Object.fromEntries(headerNames.map((name) => [name, req.getHeader(name) || undefined]));
      const response = new SafeResponse(res, answered);
      // The body is collected from the start: uWS drops chunks that arrive before `onData`.
      // (A request without a body, `curl -X POST`, gets one empty last chunk.)
      const body = route.body ? response.readBody() : Promise.resolve(null);
      void (async () => {
        try {
          let principal: Principal | null = null;
          if (route.access !== 'public') {
            const caller = await context.authenticator.authenticate(authorization);
            authorizeRole(caller, route.access, route.action);
            principal = caller;
          }
          const params = parsePart(route.params, rawParams, 'path');
          const query = parsePart(route.query, queryObject(rawQuery), 'query');
          const headers = parsePart(route.headers, rawHeaders, 'header');
          const parsedBody = route.body ? parseBody(route.body, await body, route.bodyErrorCode ?? 'INVALID_REQUEST', route.optionalBody ?? false) : undefined;
          const answer = await route.handle({ principal, params, query, body: parsedBody, headers });
          response.json(route.status ?? 200, answer);
        } catch (error) {
          // A refused caller's body (up to 1 MiB) is not kept while it finishes arriving.
          response.discardBody();
          answerError(response, context.log, error);
        }
      })();
    });
  }

  /**
   * A route answered by `handler` itself (a page, text, a redirect); documented by `route`. The
   * handler passes `answered` to its `SafeResponse` so the request is counted like the others.
   */
  raw(route: RawRoute, handler: (res: uWS.HttpResponse, req: uWS.HttpRequest, answered: AnsweredRequest | undefined) => void): void {
    this.documented.push({ kind: 'raw', route });
    const answered = this.answeredOf(route);
    this.app[uwsMethod[route.method]](toUwsPattern(route.path), (res, req) => handler(res, req, answered));
  }

  /** A WebSocket endpoint (documented as its `GET` upgrade). */
  ws<UserData>(route: RawRoute, behavior: uWS.WebSocketBehavior<UserData>): void {
    this.documented.push({ kind: 'raw', route });
    this.app.ws<UserData>(toUwsPattern(route.path), behavior);
  }

  /** Everything else: 404 NOT_FOUND (register last). */
  fallback(): void {
    const unmatched = this.context.observer?.route('ANY', UNMATCHED_ROUTE);
    this.app.any('/*', (res) => {
      new SafeResponse(res, unmatched).json(404, { error: { code: 'NOT_FOUND', message: 'no such route' } });
    });
  }

  /** The route's request counter, bound once (label `route` is the documented path). */
  private answeredOf(route: { method: HttpMethod; path: string }): AnsweredRequest | undefined {
    return this.context.observer?.route(route.method.toUpperCase(), route.path);
  }
}

/** `/systems/{id}` → `/systems/:id`. */
export function toUwsPattern(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

function parsePart(schema: z.ZodType | undefined, raw: Record<string, unknown>, where: 'path' | 'query' | 'header'): Record<string, unknown> {
  // Text PostgreSQL cannot store (NUL, unpaired surrogates) would reach a query as a parameter and
  // fail there as a database error: refuse it here, for every route, as the caller's mistake.
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value === 'string' && unstorableCodeUnit(value) !== -1) {
      throw new HttpRequestError('INVALID_REQUEST', `${where} parameter ${name.slice(0, 80)}: ${unstorableMessage(unstorableCodeUnit(value))}`);
    }
  }
  if (schema === undefined) {
    if (where === 'query' && Object.keys(raw).length > 0) {
      throw new HttpRequestError('INVALID_REQUEST', `this route takes no query parameters (got ${Object.keys(raw).map((key) => `"${key.slice(0, 80)}"`).join(', ')})`);
    }
    return {};
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw invalidRequest(parsed.error, where);
  return parsed.data as Record<string, unknown>;
}

/** The query string as an object; a name given twice is refused rather than silently picking one. */
function queryObject(raw: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(raw)) {
    if (Object.hasOwn(query, name)) throw new HttpRequestError('INVALID_REQUEST', `query parameter "${name.slice(0, 80)}" is given more than once`);
    query[name] = value;
  }
  return query;
}

function parseBody(schema: z.ZodType, raw: Buffer | null, code: 'INVALID_REQUEST' | 'INVALID_EVENT', optional: boolean): unknown {
  if (raw === null) throw new HttpRequestError(code, 'request body larger than 1 MiB, or the client went away');
  const text = raw.toString('utf8');
  if (text.trim() === '' && !optional) throw new HttpRequestError(code, 'request body missing');
  let json: unknown;
  try {
    json = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new HttpRequestError(code, 'the request body is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw invalidRequest(parsed.error, 'body', code);
  return parsed.data;
}

/** A path parameter, %-decoded; broken %-encoding is kept raw (the id check then refuses it) instead of crashing. */
function decodeParameter(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
