import type uWS from 'uWebSockets.js';
import { z } from 'zod';
import { apiTokenNameSchema, roleSchema, type TokenAdmin } from '../auth/index.ts';
import { HttpRequestError } from './http-errors.ts';
import { serveRoute, type RouteContext } from './http-route.ts';

/** `POST /tokens` body. */
export const createTokenRequestSchema = z.strictObject({
  name: apiTokenNameSchema,
  role: roleSchema,
  /** Epoch ms after which the token is refused; absent or null: it does not expire. */
  expiresAt: z.number().int().positive().nullable().optional(),
});

/**
 * API token administration (admin role): `POST /tokens` creates one and answers its value, once;
 * `GET /tokens` lists them without values or hashes; `DELETE /tokens/<name>` revokes one.
 */
export function serveTokenRoutes(app: uWS.TemplatedApp, tokens: TokenAdmin, context: RouteContext, clock: () => number = Date.now): void {
  serveRoute(
    app,
    'post',
    '/tokens',
    {
      role: 'admin',
      action: 'create API tokens',
      body: true,
      handle: async ({ principal, body }) => {
        const parsed = createTokenRequestSchema.safeParse(body);
        if (!parsed.success) throw invalid(parsed.error);
        if (parsed.data.expiresAt != null && parsed.data.expiresAt <= clock()) throw new HttpRequestError('INVALID_REQUEST', 'expiresAt is in the past');
        return { status: 201, body: await tokens.create(parsed.data, principal) };
      },
    },
    context,
  );
  serveRoute(app, 'get', '/tokens', { role: 'admin', action: 'list API tokens', handle: async () => ({ body: { tokens: await tokens.list() } }) }, context);
  serveRoute(
    app,
    'del',
    '/tokens/:name',
    { role: 'admin', action: 'revoke API tokens', handle: async ({ params: [name] }) => ({ body: await tokens.revoke(name!) }) },
    context,
  );
}

/** A zod error as a 400 INVALID_REQUEST naming each bad field. */
export function invalid(error: z.ZodError): HttpRequestError {
  const issues = error.issues.map((issue) => ({ path: issue.path.map(String), message: issue.message }));
  return new HttpRequestError('INVALID_REQUEST', issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; '), { issues });
}
