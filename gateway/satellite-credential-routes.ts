import type uWS from 'uWebSockets.js';
import { z } from 'zod';
import { entityIdSchema } from '../machines/index.ts';
import { parseSatelliteToken } from '../protocol/satellite-protocol.ts';
import { HttpRequestError } from './http-errors.ts';
import { serveRoute, type RouteContext } from './http-route.ts';
import { invalid } from './token-routes.ts';

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

const installRequestSchema = z.strictObject({ token: z.string().min(1).max(512) });

/**
 * Satellite tokens (operator role; listing: viewer): `GET /satellites/credentials`,
 * `POST /satellites/<id>/token` (issue or rotate: answers the token once),
 * `PUT /satellites/<id>/token` (install a token provisioned elsewhere, body `{ "token": "<id>.<secret>" }`),
 * `GET /satellites/<id>/token` (whether it has one), `DELETE /satellites/<id>/token` (remove it).
 * Tokens are stored only as salted hashes; none of these answers reveals a stored one.
 */
export function serveSatelliteCredentialRoutes(app: uWS.TemplatedApp, credentials: SatelliteCredentialAdmin, context: RouteContext): void {
  const satelliteId = (raw: string | undefined) => {
    const parsed = entityIdSchema.safeParse(raw);
    if (!parsed.success) throw new HttpRequestError('INVALID_REQUEST', `invalid satellite id: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data;
  };
  serveRoute(app, 'get', '/satellites/credentials', { role: 'viewer', action: 'list satellite credentials', handle: async () => ({ body: { credentials: await credentials.list() } }) }, context);
  serveRoute(
    app,
    'get',
    '/satellites/:id/token',
    { role: 'viewer', action: 'read satellite credentials', handle: async ({ params: [id] }) => ({ body: { satelliteId: satelliteId(id), hasToken: await credentials.has(satelliteId(id)) } }) },
    context,
  );
  serveRoute(
    app,
    'post',
    '/satellites/:id/token',
    { role: 'operator', action: 'issue satellite tokens', handle: async ({ params: [id] }) => ({ status: 201, body: { satelliteId: satelliteId(id), token: (await credentials.issue(satelliteId(id))).token } }) },
    context,
  );
  serveRoute(
    app,
    'put',
    '/satellites/:id/token',
    {
      role: 'operator',
      action: 'install satellite tokens',
      body: true,
      handle: async ({ params: [id], body }) => {
        const parsed = installRequestSchema.safeParse(body);
        if (!parsed.success) throw invalid(parsed.error);
        const token = parseSatelliteToken(`Bearer ${parsed.data.token}`);
        if (!token || token.satelliteId !== satelliteId(id)) throw new HttpRequestError('INVALID_REQUEST', `token must have the form ${satelliteId(id)}.<secret>`);
        return { body: { satelliteId: token.satelliteId, changed: (await credentials.install(token.satelliteId, token.secret)).changed } };
      },
    },
    context,
  );
  serveRoute(
    app,
    'del',
    '/satellites/:id/token',
    {
      role: 'operator',
      action: 'remove satellite tokens',
      handle: async ({ params: [id] }) => {
        if (!(await credentials.remove(satelliteId(id))).removed) throw new HttpRequestError('NOT_FOUND', `satellite ${satelliteId(id)} has no token`);
        return { body: { satelliteId: satelliteId(id), removed: true } };
      },
    },
    context,
  );
}
