import * as z from 'zod';
import { entityIdSchema } from '../machines/index.ts';
import { parseSatelliteToken } from '../protocol/satellite-protocol.ts';
import { defineRoute } from './api-route.ts';
import type { ApiRouter } from './api-router.ts';
import { HttpRequestError } from './http-errors.ts';

/** What the routes need to manage satellite tokens; the node wires the credential store (and closes live sessions on change). */
export interface SatelliteCredentialAdmin {
  /** Creates or replaces the satellite's token (closing its sessions on every node); resolves the token (`<id>.<secret>`), shown only now. */
  issue(satelliteId: string): Promise<{ token: string }>;
  /** Makes a provisioned secret the satellite's credential; `changed` false when it already was. */
  install(satelliteId: string, secret: string): Promise<{ changed: boolean }>;
  /** Removes the credential (closing its sessions on every node); `removed` false when there was none. */
  remove(satelliteId: string): Promise<{ removed: boolean }>;
  has(satelliteId: string): Promise<boolean>;
  list(): Promise<Array<{ satelliteId: string; createdAt: number; rotatedAt: number }>>;
}

const satelliteParams = z.strictObject({ id: entityIdSchema.meta({ description: 'Satellite id' }) });

/**
 * Satellite tokens (operator role; listing: viewer): `GET /satellites/credentials`,
 * `POST /satellites/<id>/token` (issue or rotate: answers the token once),
 * `PUT /satellites/<id>/token` (install a token provisioned elsewhere, body `{ "token": "<id>.<secret>" }`),
 * `GET /satellites/<id>/token` (whether it has one), `DELETE /satellites/<id>/token` (remove it).
 * Tokens are stored only as salted hashes; none of these answers reveals a stored one.
 */
export function serveSatelliteCredentialRoutes(router: ApiRouter, credentials: SatelliteCredentialAdmin): void {
  const common = { tag: 'Satellites', params: satelliteParams } as const;
  router.json(
    defineRoute({
      method: 'get',
      path: '/satellites/credentials',
      access: 'viewer',
      action: 'list satellite credentials',
      tag: 'Satellites',
      summary: 'Which satellites have a token, and when it was made and last rotated',
      response: z.object({ credentials: z.array(z.object({ satelliteId: z.string(), createdAt: z.number(), rotatedAt: z.number() })) }),
      handle: async () => ({ credentials: await credentials.list() }),
    }),
  );
  router.json(
    defineRoute({
      ...common,
      method: 'get',
      path: '/satellites/{id}/token',
      access: 'viewer',
      action: 'read satellite credentials',
      summary: 'Whether the satellite has a token',
      response: z.object({ satelliteId: z.string(), hasToken: z.boolean() }),
      handle: async ({ params: { id } }) => ({ satelliteId: id, hasToken: await credentials.has(id) }),
    }),
  );
  router.json(
    defineRoute({
      ...common,
      method: 'post',
      path: '/satellites/{id}/token',
      access: 'operator',
      action: 'issue satellite tokens',
      summary: "Issues (or rotates) the satellite's token; the answer is the only time it is shown",
      status: 201,
      response: z.object({ satelliteId: z.string(), token: z.string().meta({ description: '<id>.<secret>' }) }),
      handle: async ({ params: { id } }) => ({ satelliteId: id, token: (await credentials.issue(id)).token }),
    }),
  );
  router.json(
    defineRoute({
      ...common,
      method: 'put',
      path: '/satellites/{id}/token',
      access: 'operator',
      action: 'install satellite tokens',
      summary: 'Installs a token provisioned elsewhere',
      body: z.strictObject({ token: z.string().min(1).max(512).meta({ description: '<id>.<secret>' }) }),
      response: z.object({ satelliteId: z.string(), changed: z.boolean() }),
      handle: async ({ params: { id }, body }) => {
        const token = parseSatelliteToken(`Bearer ${body.token}`);
        if (!token || token.satelliteId !== id) throw new HttpRequestError('INVALID_REQUEST', `token must have the form ${id}.<secret>`);
        return { satelliteId: token.satelliteId, changed: (await credentials.install(token.satelliteId, token.secret)).changed };
      },
    }),
  );
  router.json(
    defineRoute({
      ...common,
      method: 'delete',
      path: '/satellites/{id}/token',
      access: 'operator',
      action: 'remove satellite tokens',
      summary: "Removes the satellite's token (its sessions are closed on every node)",
      response: z.object({ satelliteId: z.string(), removed: z.literal(true) }),
      errors: ['NOT_FOUND'],
      handle: async ({ params: { id } }) => {
        if (!(await credentials.remove(id)).removed) throw new HttpRequestError('NOT_FOUND', `satellite ${id} has no token`);
        return { satelliteId: id, removed: true as const };
      },
    }),
  );
}
