import * as z from 'zod';
import { apiTokenNameSchema, roleSchema, type TokenAdmin } from '../auth/index.ts';
import { defineRoute } from './api-route.ts';
import type { ApiRouter } from './api-router.ts';
import { HttpRequestError } from './http-errors.ts';

/** `POST /tokens` body. */
export const createTokenRequestSchema = z.strictObject({
  name: apiTokenNameSchema,
  role: roleSchema,
  /** Epoch ms after which the token is refused; absent or null: it does not expire. */
  expiresAt: z.number().int().positive().nullable().optional().meta({ description: 'Epoch ms after which the token is refused; absent or null: never' }),
});

const tokenListingSchema = z
  .object({
    name: z.string(),
    role: roleSchema,
    createdAt: z.number(),
    createdBy: z.string(),
    expiresAt: z.number().nullable(),
    revokedAt: z.number().nullable(),
  })
  .meta({ id: 'ApiToken' });

/**
 * API token administration (admin role): `POST /tokens` creates one and answers its value, once;
 * `GET /tokens` lists them without values or hashes; `DELETE /tokens/<name>` revokes one.
 */
export function serveTokenRoutes(router: ApiRouter, tokens: TokenAdmin, clock: () => number = Date.now): void {
  router.json(
    defineRoute({
      method: 'post',
      path: '/tokens',
      access: 'admin',
      action: 'create API tokens',
      tag: 'Access',
      summary: 'Creates an API token; the answer holds its value, the only time it is shown',
      body: createTokenRequestSchema,
      status: 201,
      response: tokenListingSchema.extend({ token: z.string().meta({ description: 'The token (vgl_…): store it now' }) }),
      errors: ['CONFLICT'],
      handle: async ({ principal, body }) => {
        if (body.expiresAt != null && body.expiresAt <= clock()) throw new HttpRequestError('INVALID_REQUEST', 'expiresAt is in the past');
        return tokens.create(body, principal!);
      },
    }),
  );
  router.json(
    defineRoute({
      method: 'get',
      path: '/tokens',
      access: 'admin',
      action: 'list API tokens',
      tag: 'Access',
      summary: 'Every API token, without values or hashes',
      response: z.object({ tokens: z.array(tokenListingSchema) }),
      handle: async () => ({ tokens: await tokens.list() }),
    }),
  );
  router.json(
    defineRoute({
      method: 'delete',
      path: '/tokens/{name}',
      access: 'admin',
      action: 'revoke API tokens',
      tag: 'Access',
      summary: 'Revokes a token (revoking it again changes nothing)',
      params: z.strictObject({ name: z.string().max(200) }),
      response: tokenListingSchema,
      errors: ['NOT_FOUND'],
      handle: async ({ params: { name } }) => tokens.revoke(name),
    }),
  );
}
