import * as z from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import type { ApiRoute, RawRoute } from './api-route.ts';
import { errorSchema } from './api-schemas.ts';
import type { DocumentedRoute } from './api-router.ts';
import { statusOf } from './http-errors.ts';

export interface OpenApiInfo {
  version: string;
}

/**
 * The OpenAPI 3.1 document of the routes a node serves, generated from their zod schemas (with
 * zod-openapi): parameters, bodies, answers and the errors each route may give. Served at
 * `/openapi.json`; `test/docs/openapi.test.ts` checks it against the routes served.
 */
export function openApiDocument(routes: readonly DocumentedRoute[], info: OpenApiInfo): ReturnType<typeof createDocument> {
  const paths: ZodOpenApiPathsObject = {};
  for (const documented of routes) {
    const { route } = documented;
    const operation = documented.kind === 'json' ? jsonOperation(documented.route) : rawOperation(documented.route);
    paths[route.path] = { ...paths[route.path], [route.method]: operation };
  }
  return createDocument(
    {
      openapi: '3.1.0',
      info: {
        title: 'Vigil',
        version: info.version,
        description:
          'The HTTP API of a Vigil node (every node serves the same). Routes other than the public ones need `Authorization: Bearer <API token>` ' +
          'with at least the role named in each operation (`x-vigil-role`): viewer < operator < admin. Errors have the shape of `Error`. ' +
          'The NATS subjects, the WebSocket protocols and the error codes are described in docs/PROTOCOL.md.',
      },
      components: { securitySchemes: { token: { type: 'http', scheme: 'bearer', description: 'An API token (vgl_…) from `vigil token create` or POST /tokens' } } },
      paths,
    },
    { reused: 'ref' },
  );
}

function jsonOperation(route: ApiRoute): ZodOpenApiOperationObject {
  const responses: ZodOpenApiResponsesObject = {
    [String(route.status ?? 200)]: { description: 'Success', content: { 'application/json': { schema: route.response } } },
  };
  const codes = new Set(route.errors ?? []);
  if (route.params || route.query || route.body || route.headers) codes.add('INVALID_REQUEST');
  if (route.body) codes.add(route.bodyErrorCode ?? 'INVALID_REQUEST');
  if (route.access !== 'public') ['UNAUTHENTICATED', 'FORBIDDEN'].forEach((code) => codes.add(code));
  codes.add('UNAVAILABLE');
  for (const [status, group] of groupByStatus([...codes])) {
    (responses as Record<string, unknown>)[String(status)] = { description: group.join(' or '), content: { 'application/json': { schema: errorSchema } } };
  }
  return {
    ...describe(route),
    ...(route.params || route.query || route.headers
      ? { requestParams: { ...(route.params ? { path: route.params } : {}), ...(route.query ? { query: route.query } : {}), ...(route.headers ? { header: route.headers } : {}) } }
      : {}),
    ...(route.body ? { requestBody: { required: !route.optionalBody, content: { 'application/json': { schema: route.body } } } } : {}),
    responses,
  } as ZodOpenApiOperationObject;
}

function rawOperation(route: RawRoute): ZodOpenApiOperationObject {
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, response] of Object.entries(route.responses)) {
    (responses as Record<string, unknown>)[status] = {
      description: response.description,
      ...(response.contentType ? { content: { [response.contentType]: { schema: response.schema ?? z.string() } } } : {}),
    };
  }
  return { ...describe(route), responses } as ZodOpenApiOperationObject;
}

/** What every operation has: its id, tag, words and who may call it. */
function describe(route: ApiRoute | RawRoute) {
  return {
    operationId: operationId(route),
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...access(route.access),
  };
}

function access(role: ApiRoute['access']) {
  return role === 'public' ? { security: [], 'x-vigil-role': 'public' } : { security: [{ token: [] }], 'x-vigil-role': role };
}

/** `get /systems/{id}` → `getSystemsById`. */
function operationId(route: { method: string; path: string }): string {
  const words = route.path
    .split('/')
    .filter(Boolean)
    .map((segment) => (segment.startsWith('{') ? `by-${segment.slice(1, -1)}` : segment))
    .flatMap((segment) => segment.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  return [route.method, ...words].map((word, index) => (index === 0 ? word : word[0]!.toUpperCase() + word.slice(1))).join('') || route.method;
}

function groupByStatus(codes: string[]): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  for (const code of codes.sort()) {
    const status = statusOf[code] ?? 500;
    groups.set(status, [...(groups.get(status) ?? []), code]);
  }
  return new Map([...groups].sort(([a], [b]) => a - b));
}
