import type { us_socket } from 'uWebSockets.js';
import uWS from './uws.ts';
import type { Logger } from 'pino';
import type { EntityRuntime, RoutedDispatchOptions } from '../actors/index.ts';
import type { TokenAdmin, TokenAuthenticator } from '../auth/index.ts';
import type { EntityChange } from '../machines/index.ts';
import type { EntityListQuery, EntityPage } from '../persistence/index.ts';
import type { StateQueries, SystemQueries } from '../persistence/index.ts';
import * as z from 'zod';
import { SafeResponse } from './http-response.ts';
import { ApiRouter, type DocumentedRoute } from './api-router.ts';
import { clusterStatusSchema } from './api-schemas.ts';
import { serveEntityRoutes } from './entity-routes.ts';
import { openApiDocument } from './openapi.ts';
import { serveQueryRoutes } from './query/query-routes.ts';
import { serveDeliveryRoutes, type DeliveryRoutesOptions } from './delivery-routes.ts';
import { serveHistoryRoutes, type HistoryRoutesOptions } from './query/history-routes.ts';
import { serveTokenRoutes } from './token-routes.ts';
import { serveSatelliteCredentialRoutes, type SatelliteCredentialAdmin } from './satellite-credential-routes.ts';
import { servePushRoutes, type PushRouteOptions } from './push-routes.ts';
import { listenExclusive } from './listen-exclusive.ts';
import { serveStaticSite } from './static-site.ts';
import { serveStatusPage, type StatusPageOptions } from './status-page-route.ts';
import type { LiveStream } from './live-stream.ts';
import { serveMetricsRoute, type MetricsRouteOptions } from './metrics-route.ts';
import type { HttpObserver } from './http-observer.ts';
import { attachSatelliteGateway, type CredentialChange, type SatelliteGatewayOptions, type SatelliteSession } from './satellite-gateway.ts';

export interface ReadinessCheck {
  name: string;
  check: () => Promise<boolean> | boolean;
}

export interface HttpServer {
  /** The port actually bound (useful when configured as 0). */
  readonly port: number;
  /** Every route served (what `/openapi.json` documents). */
  routes(): readonly DocumentedRoute[];
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
  /** The query API's reads (`GET /systems`, `/incidents`, `/runs`, …). */
  queries: { states: StateQueries; systems: SystemQueries };
  /** The delivery log of notification steps (`/deliveries`, and a run's deliveries in `GET /runs/{id}`). */
  deliveries: DeliveryRoutesOptions;
  /** The check history's reads (`GET /checks/<id>/uptime`, `/results`, `/series`, `/systems/<id>/uptime`, `/series`); absent: not served. */
  history?: HistoryRoutesOptions;
  /** Vigil's version, for the OpenAPI document. */
  version: string;
  /** What `vigil status` shows (`GET /cluster/status`). */
  clusterStatus: () => Promise<unknown>;
  readiness: ReadinessCheck[];
  log: Logger;
  /** Satellite WebSocket endpoint (`/satellite/v1`); absent: not served. */
  satellites?: Omit<SatelliteGatewayOptions, 'dispatch' | 'log' | 'nodeId'>;
  /** The live stream for browsers (`/stream/v1`); absent: not served. */
  liveStream?: Pick<LiveStream, 'attach' | 'closeAll'>;
  /** Epoch ms on the cluster's clock (default: this host's), for times clients send (a token's `expiresAt`). */
  clock?: () => number;
  /** The public status page (`GET /status.json`, no token); absent: not served. */
  statusPage?: Omit<StatusPageOptions, 'log'>;
  /** Counts every answered request, by route pattern (see metrics/); absent: not counted. */
  observer?: HttpObserver;
  /** `GET /metrics` (Prometheus); absent: not served. */
  metrics?: MetricsRouteOptions;
  /** Push monitors (`POST /push/{token}`, `POST /checks/{id}/push-token`); absent: not served. */
  push?: Pick<PushRouteOptions, 'tokens' | 'rate'>;
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
  const router = new ApiRouter(app, { authenticator: options.authenticator, log, ...(options.observer ? { observer: options.observer } : {}) });

  router.raw(
    { method: 'get', path: '/healthz', access: 'public', tag: 'Node', summary: 'The process answers', responses: { 200: { description: 'Alive', contentType: 'application/json', schema: z.object({ status: z.literal('ok'), node: z.string() }) } } },
    (res, _req, answered) => new SafeResponse(res, answered).json(200, { status: 'ok', node: options.nodeId }),
  );

  const readiness = z.object({ status: z.enum(['ready', 'not_ready']), node: z.string(), checks: z.record(z.string(), z.boolean()) });
  router.raw(
    {
      method: 'get',
      path: '/readyz',
      access: 'public',
      tag: 'Node',
      summary: 'Whether the node, its database, NATS and placement are ready',
      responses: { 200: { description: 'Ready', contentType: 'application/json', schema: readiness }, 503: { description: 'Not ready: the failing checks are false', contentType: 'application/json', schema: readiness } },
    },
    (res, _req, answered) => {
      const response = new SafeResponse(res, answered);
      void Promise.all(
        options.readiness.map(async ({ name, check }) => [name, await Promise.resolve(check()).catch(() => false)] as const),
      ).then((results) => {
        const checks = Object.fromEntries(results);
        const ready = results.every(([, ok]) => ok);
        response.json(ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', node: options.nodeId, checks });
      });
    },
  );

  serveEntityRoutes(router, { runtime, dispatch: options.dispatch, commandTimeoutMs: options.commandTimeoutMs, list: options.listEntities });
  serveQueryRoutes(router, { ...options.queries, runtime, deliveries: options.deliveries.store });
  serveDeliveryRoutes(router, options.deliveries);
  if (options.history) serveHistoryRoutes(router, options.history);
  serveTokenRoutes(router, options.tokens, options.clock);
  serveSatelliteCredentialRoutes(router, options.satelliteCredentials);
  if (options.push) {
    servePushRoutes(router, {
      ...options.push,
      dispatch: options.dispatch,
      readCheck: async (checkId) => (await runtime.get('check', checkId)).state,
      clock: options.clock ?? Date.now,
    });
  }
  router.json({
    method: 'get',
    path: '/cluster/status',
    access: 'viewer',
    action: 'read the cluster status',
    tag: 'Node',
    summary: 'Nodes and their partitions, partitions without owner, outbox backlog, timers, consumer lag, parked messages (what `vigil status` prints)',
    response: clusterStatusSchema,
    handle: () => options.clusterStatus(),
  });

  const satellites = options.satellites ? attachSatelliteGateway(router, { ...options.satellites, nodeId: options.nodeId, dispatch: options.dispatch, log }) : undefined;

  // Generated once all routes are registered, on first request (and kept).
  let openApiText: string | undefined;
  router.raw(
    { method: 'get', path: '/openapi.json', access: 'public', tag: 'Node', summary: 'This document: the OpenAPI 3.1 description of every HTTP route', responses: { 200: { description: 'The document', contentType: 'application/json', schema: z.record(z.string(), z.unknown()) } } },
    (res, _req, answered) => {
      openApiText ??= JSON.stringify(openApiDocument(router.routes, { version: options.version }));
      new SafeResponse(res, answered).send(200, openApiText, { 'content-type': 'application/json', 'cache-control': 'no-cache' });
    },
  );

  options.liveStream?.attach(router);
  if (options.statusPage) serveStatusPage(router, { ...options.statusPage, log });
  // The console, status page and API reference (dist/web), before the catch-all.
  serveStaticSite(router, { log });

  if (options.metrics) serveMetricsRoute(router, options.metrics);

  router.fallback();

  return listenExclusive(app, { host: options.host, port: options.port, log }).then((listenSocket) => ({
    port: uWS.us_socket_local_port(listenSocket as unknown as us_socket),
    routes: () => router.routes,
    satellitesConnected: () => satellites?.connected() ?? 0,
    refreshAssignments: async (satelliteIds) => satellites?.refreshAssignments(satelliteIds),
    satelliteSessionAnnounced: (satelliteId, session) => satellites?.sessionAnnounced(satelliteId, session),
    satelliteSessionHeld: (satelliteId) => satellites?.heldSession(satelliteId),
    satelliteCredentialChanged: (change) => satellites?.credentialChanged(change),
    recheckSatelliteCredentials: async () => satellites?.recheckCredentials(),
    close: () => {
      satellites?.closeAll('the node is shutting down');
      options.liveStream?.closeAll();
      uWS.us_listen_socket_close(listenSocket);
    },
  }));
}
