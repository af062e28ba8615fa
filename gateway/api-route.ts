import type * as z from 'zod';
import type { Principal, Role } from '../auth/index.ts';

/** Who may call a route: anyone (`public`), or an API token of at least this role. */
export type RouteAccess = Role | 'public';

export type HttpMethod = 'get' | 'post' | 'put' | 'delete';

/** A zod object of named strings (path parameters, query parameters, headers). */
export type StringFields = z.ZodObject;

/** What a JSON route's handler gets, typed by the route's schemas. */
export interface ApiRequest<Params, Query, Body, Headers> {
  /** The caller; `null` on a public route. */
  principal: Principal | null;
  params: Params;
  query: Query;
  body: Body;
  headers: Headers;
}

/**
 * One JSON route: its place, who may call it, and a zod schema for each part of the request and
 * for the answer. The router validates the request with them (400 naming the bad part) and the
 * OpenAPI document (`/openapi.json`) is generated from them, so the two cannot drift apart.
 */
export interface ApiRoute<
  Params extends StringFields = StringFields,
  Query extends StringFields = StringFields,
  Body extends z.ZodType = z.ZodType,
  Headers extends StringFields = StringFields,
> {
  method: HttpMethod;
  /** OpenAPI form: `/systems/{id}`. */
  path: string;
  access: RouteAccess;
  /** Words for the 403 message: "… may not <action>". */
  action: string;
  /** Groups the route in the reference (`Systems`, `Incidents`, …). */
  tag: string;
  summary: string;
  description?: string;
  params?: Params;
  query?: Query;
  /** A JSON body (at most 1 MiB), parsed then checked with this schema. */
  body?: Body;
  /** An empty or absent body is read as `{}` (then checked with `body`) instead of being refused. */
  optionalBody?: boolean;
  /** The code of a body that is missing, too large, not JSON or refused by `body` (default INVALID_REQUEST). */
  bodyErrorCode?: 'INVALID_REQUEST' | 'INVALID_EVENT';
  /** Request headers the handler reads (lower-case names). */
  headers?: Headers;
  /** The success answer's status (default 200) and body. */
  status?: 200 | 201;
  response: z.ZodType;
  /** Error codes this route may answer besides the common ones (documented per route). */
  errors?: string[];
  handle(request: ApiRequest<z.output<Params>, z.output<Query>, z.output<Body>, z.output<Headers>>): Promise<unknown>;
}

/**
 * Declares a route with its handler typed by its schemas (a route's own types are checked here;
 * the router keeps them as plain `ApiRoute`s).
 */
export function defineRoute<
  Params extends StringFields = StringFields,
  Query extends StringFields = StringFields,
  Body extends z.ZodType = z.ZodType,
  Headers extends StringFields = StringFields,
>(route: ApiRoute<Params, Query, Body, Headers>): ApiRoute {
  return route as unknown as ApiRoute;
}

/**
 * A route that is not JSON in and JSON out (a page, the metrics text, a WebSocket upgrade), still
 * documented in the OpenAPI document by its responses' content types.
 */
export interface RawRoute {
  method: HttpMethod;
  path: string;
  access: RouteAccess;
  tag: string;
  summary: string;
  description?: string;
  /** Status → description and content type (and, for JSON, the body's schema). */
  responses: Record<number, { description: string; contentType?: string; schema?: z.ZodType }>;
}
