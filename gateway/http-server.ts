import type { us_socket } from 'uWebSockets.js';
import uWS from './uws.ts';
import type { Logger } from 'pino';
import type { EntityRuntime, RoutedDispatchOptions } from '../actors/index.ts';
import type { TokenAdmin, TokenAuthenticator } from '../auth/index.ts';
import type { EntityChange } from '../machines/index.ts';
import type { EntityListQuery, EntityPage } from '../persistence/index.ts';
import { SafeResponse } from './http-response.ts';
import { serveEntityRoutes } from './entity-routes.ts';
import { serveTokenRoutes } from './token-routes.ts';
import { serveRoute } from './http-route.ts';
import { serveSatelliteCredentialRoutes, type SatelliteCredentialAdmin } from './satellite-credential-routes.ts';
import { listenExclusive } from './listen-exclusive.ts';
import { serveStaticSite } from './static-site.ts';
import { attachSatelliteGateway, type CredentialChange, type SatelliteGatewayOptions, type SatelliteSession } from './satellite-gateway.ts';

export interface ReadinessCheck {
  name: string;
  check: () => Promise<boolean> | boolean;
}

export interface HttpServer {
  /** The port actually bound (useful when configured as 0). */
  readonly port: number;
  /** Satellites connected to this node. */
  satellitesConnected(): number;
  /** Pushes fresh assignments to those of these satellites connected here. */
  refreshAssignments(satelliteIds: Iterable<string>): Promise<void>;
  /** Another node announced a connection of this satellite (the newest connection wins). */
  satelliteSessionAnnounced(satelliteId: string, session: SatelliteSession): void;
  /** The session id of the satellite's socket held on this node, if any. */
  satelliteSessionHeld(satelliteId: string): string | undefined;
  /** A satellite's credential was rotated or removed: close its sessions here that used an older one (4401). */
  satelliteCredentialChanged(change: CredentialChange): void;
  /** Compares the open satellite sessions' credential generations with the stored ones now (also periodic). */
  recheckSatelliteCredentials(): Promise<void>;
  close(): void;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  nodeId: string;
  /** POST /entities/…/events answers 504 TIMEOUT after this long (the event may still commit). */
  commandTimeoutMs: number;
  /** Sends a command to the entity's owner (the node's router). */
  dispatch: (kind: string, id: string, event: unknown, options: RoutedDispatchOptions) => Promise<EntityChange | null>;
  runtime: EntityRuntime;
  /** Checks `Authorization: Bearer <token>` on every route but /healthz and /readyz. */
  authenticator: TokenAuthenticator;
  tokens: TokenAdmin;
  /** A page of live entities of one kind (`GET /entities/<kind>`). */
  listEntities: (query: EntityListQuery) => Promise<EntityPage>;
  /** Satellite token administration (`/satellites/…/token`). */
  satelliteCredentials: SatelliteCredentialAdmin;
  /** What `vigil status` shows (`GET /cluster/status`). */
  clusterStatus: () => Promise<unknown>;
  readiness: ReadinessCheck[];
  log: Logger;
  /** Satellite WebSocket endpoint (`/satellite/v1`); absent: not served. */
  satellites?: Omit<SatelliteGatewayOptions, 'dispatch' | 'log' | 'nodeId'>;
  /** Epoch ms on the cluster's clock (default: this host's), for times clients send (a token's `expiresAt`). */
  clock?: () => number;
}

/**
 * The node's HTTP endpoint on uWebSockets.js (see docs/PROTOCOL.md, "HTTP"):
 * `GET /healthz` (the process answers) and `GET /readyz` (database, NATS and runtime ready), open
 * to anyone; the entity API, the trigger registry and token administration, which need an API
 * token with the route's role (401 without one, 403 when its role is too low). Listens on its port
 * alone (see `listenExclusive`); rejects with `HttpListenError` when it cannot.
 */
export function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { runtime, log } = options;
  const app = uWS.App();

  app.get('/healthz', (res) => {
    new SafeResponse(res).json(200, { status: 'ok', node: options.nodeId });
  });

  app.get('/readyz', (res) => {
    const response = new SafeResponse(res);
    void Promise.all(
      options.readiness.map(async ({ name, check }) => [name, await Promise.resolve(check()).catch(() => false)] as const),
    ).then((results) => {
      const checks = Object.fromEntries(results);
      const ready = results.every(([, ok]) => ok);
      response.json(ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', node: options.nodeId, checks });
    });
  });

  const context = { authenticator: options.authenticator, log };
  serveEntityRoutes(app, { runtime, dispatch: options.dispatch, commandTimeoutMs: options.commandTimeoutMs, list: options.listEntities }, context);
  serveTokenRoutes(app, options.tokens, context, options.clock);
  serveSatelliteCredentialRoutes(app, options.satelliteCredentials, context);
  serveRoute(app, 'get', '/cluster/status', { role: 'viewer', action: 'read the cluster status', handle: async () => ({ body: await options.clusterStatus() }) }, context);

  const satellites = options.satellites ? attachSatelliteGateway(app, { ...options.satellites, nodeId: options.nodeId, dispatch: options.dispatch, log }) : undefined;

  // The console, status page and API reference (dist/web), before the catch-all.
  serveStaticSite(app, { log });

  app.any('/*', (res) => {
    new SafeResponse(res).json(404, { error: { code: 'NOT_FOUND', message: 'no such route' } });
  });

  return listenExclusive(app, { host: options.host, port: options.port, log }).then((listenSocket) => ({
    port: uWS.us_socket_local_port(listenSocket as unknown as us_socket),
    satellitesConnected: () => satellites?.connected() ?? 0,
    refreshAssignments: async (satelliteIds) => satellites?.refreshAssignments(satelliteIds),
    satelliteSessionAnnounced: (satelliteId, session) => satellites?.sessionAnnounced(satelliteId, session),
    satelliteSessionHeld: (satelliteId) => satellites?.heldSession(satelliteId),
    satelliteCredentialChanged: (change) => satellites?.credentialChanged(change),
    recheckSatelliteCredentials: async () => satellites?.recheckCredentials(),
    close: () => {
      satellites?.closeAll('the node is shutting down');
      uWS.us_listen_socket_close(listenSocket);
    },
  }));
}
