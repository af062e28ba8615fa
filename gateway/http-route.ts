import type uWS from 'uWebSockets.js';
import type { Logger } from 'pino';
import { authorizeRole, type Principal, type Role, type TokenAuthenticator } from '../auth/index.ts';
import { HttpRequestError, answerError } from './http-errors.ts';
import { SafeResponse } from './http-response.ts';
import type { HttpObserver } from './http-observer.ts';

/** What a route handler gets: who asks, the path parameters (decoded), the query, the parsed JSON body. */
export interface RouteRequest {
  principal: Principal;
  params: string[];
  query: URLSearchParams;
  /** The parsed JSON body (routes declared with `body: true`), else undefined. */
  body: unknown;
  /** The request headers the route declared (lower case names; '' when absent). */
  headers: Record<string, string>;
}

export interface RouteSpec {
  /** The least role that may call the route (every route needs a valid API token). */
  role: Role;
  /** Words for the 403 message: "… may not <action>". */
  action: string;
  /** Read and parse a JSON body (at most 1 MiB). */
  body?: boolean;
  /** Request headers the handler reads (lower case). */
  headers?: string[];
  /** The error code of a body that is missing, too large or not JSON (default INVALID_REQUEST). */
  bodyErrorCode?: 'INVALID_REQUEST' | 'INVALID_EVENT';
  handle(request: RouteRequest): Promise<{ status?: number; body: unknown }>;
}

export interface RouteContext {
  authenticator: TokenAuthenticator;
  log: Logger;
  /** Counts each answered request by route pattern, method and status (see metrics/); absent: not counted. */
  observer?: HttpObserver;
}

/**
 * Serves one authenticated JSON route on uWebSockets.js: `Authorization: Bearer <token>` is
 * checked first (401), then the role (403), then the body (400, 413), then the handler runs.
 * Everything read from `req` is read before the first await (uWS reuses it), and the body is
 * collected from the start (uWS drops chunks that arrive before `onData`).
 */
export function serveRoute(app: uWS.TemplatedApp, method: 'get' | 'post' | 'put' | 'del', pattern: string, spec: RouteSpec, context: RouteContext): void {
  const parameterCount = (pattern.match(/\/:/g) ?? []).length;
  const answered = context.observer?.route(method === 'del' ? 'DELETE' : method.toUpperCase(), pattern);
  app[method](pattern, (res, req) => {
    const authorization = req.getHeader('authorization');
    const params = Array.from({ length: parameterCount }, (_, index) => decodeParameter(req.getParameter(index) ?? ''));
    const query = new URLSearchParams(req.getQuery() ?? '');
    const headers = Object.fromEntries((spec.headers ?? []).map((name) => [name, req.getHeader(name)]));
    const response = new SafeResponse(res, answered);
    const body = spec.body ? response.readBody() : Promise.resolve(null);
    void (async () => {
      try {
        const principal = await context.authenticator.authenticate(authorization);
        authorizeRole(principal, spec.role, spec.action);
        const parsed = spec.body ? parseJsonBody(await body, spec.bodyErrorCode ?? 'INVALID_REQUEST') : undefined;
        const result = await spec.handle({ principal, params, query, body: parsed, headers });
        response.json(result.status ?? 200, result.body);
      } catch (error) {
        // A refused caller's body (up to 1 MiB) is not kept while it finishes arriving.
        response.discardBody();
        answerError(response, context.log, error);
      }
    })();
  });
}

function parseJsonBody(raw: Buffer | null, code: 'INVALID_REQUEST' | 'INVALID_EVENT'): unknown {
  if (raw === null) throw new HttpRequestError(code, 'request body missing or larger than 1 MiB');
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpRequestError(code, 'the request body is not JSON');
  }
}

/** A path parameter, %-decoded; broken %-encoding is kept raw (the id check then refuses it) instead of crashing. */
function decodeParameter(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
