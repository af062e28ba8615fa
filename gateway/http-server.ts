import uWS from 'uWebSockets.js';
import type { Logger } from 'pino';
import { RuntimeError, type DispatchOptions, type EntityRuntime } from '../actors/index.ts';
import { commandIdSchema, listTriggers, type EntityChange } from '../machines/index.ts';
import { SafeResponse } from './http-response.ts';
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
  dispatch: (kind: string, id: string, event: unknown, options: DispatchOptions) => Promise<EntityChange | null>;
  runtime: EntityRuntime;
  readiness: ReadinessCheck[];
  log: Logger;
  /** Satellite WebSocket endpoint (`/satellite/v1`); absent: not served. */
  satellites?: Omit<SatelliteGatewayOptions, 'dispatch' | 'log' | 'nodeId'>;
}

/**
 * The node's HTTP endpoint on uWebSockets.js (see docs/PROTOCOL.md, "HTTP"):
 * `GET /healthz` (the process answers), `GET /readyz` (database, NATS and runtime ready),
 * the entity API and the trigger registry.
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

  app.get('/triggers', (res) => {
    new SafeResponse(res).json(200, { triggers: listTriggers() });
  });

  app.get('/entities/:kind/:id', (res, req) => {
    const [kind, id] = entityPath(req);
    answer(new SafeResponse(res), log, () => runtime.get(kind, id));
  });

  app.get('/entities/:kind/:id/history', (res, req) => {
    const [kind, id] = entityPath(req);
    const query = new URLSearchParams(req.getQuery() ?? '');
    const fromVersion = Math.max(1, Number(query.get('fromVersion') ?? 1) || 1);
    const limit = Math.min(1000, Math.max(1, Number(query.get('limit') ?? 100) || 100));
    answer(new SafeResponse(res), log, async () => ({ transitions: await runtime.history(kind, id, { fromVersion, limit }) }));
  });

  app.post('/entities/:kind/:id/events', (res, req) => {
    const [kind, id] = entityPath(req);
    // Headers must be read before the handler returns: uWS reuses the request object.
    const actor = req.getHeader('vigil-actor') || undefined;
    const runId = req.getHeader('vigil-run-id') || undefined;
    const commandId = req.getHeader('vigil-command-id') || undefined;
    const response = new SafeResponse(res);
    void response.readBody().then((body) => {
      if (body === null) return response.json(413, { error: { code: 'INVALID_EVENT', message: 'request body larger than 1 MiB' } });
      let event: unknown;
      try {
        event = JSON.parse(body.toString('utf8'));
      } catch {
        return response.json(400, { error: { code: 'INVALID_EVENT', message: 'the request body is not JSON' } });
      }
      if (commandId !== undefined && !commandIdSchema.safeParse(commandId).success) {
        return response.json(400, { error: { code: 'INVALID_EVENT', message: 'Vigil-Command-Id must be 1-128 printable ASCII characters without spaces' } });
      }
      answer(response, log, async () => ({
        change: await options.dispatch(kind, id, event, { actor, runId, commandId, timeoutMs: options.commandTimeoutMs }),
      }));
    });
  });

  const satellites = options.satellites ? attachSatelliteGateway(app, { ...options.satellites, nodeId: options.nodeId, dispatch: options.dispatch, log }) : undefined;

  app.any('/*', (res) => {
    new SafeResponse(res).json(404, { error: { code: 'NOT_FOUND', message: 'no such route' } });
  });

  return new Promise((resolve, reject) => {
    app.listen(options.host, options.port, (listenSocket) => {
      if (!listenSocket) return reject(new Error(`cannot listen on ${options.host}:${options.port} (port in use?)`));
      resolve({
        port: uWS.us_socket_local_port(listenSocket as unknown as uWS.us_socket),
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
      });
    });
  });
}

const statusOf: Record<string, number> = {
  UNKNOWN_KIND: 404,
  INVALID_ID: 400,
  INVALID_EVENT: 400,
  EVENT_NOT_ALLOWED: 409,
  MACHINE_FAILED: 500,
  VERSION_CONFLICT: 409,
  NOT_OWNER: 503,
  TIMEOUT: 504,
  DEADLINE_EXCEEDED: 504,
  UNAVAILABLE: 503,
  STOPPING: 503,
};

/** `:kind` and `:id` of an entity route; an id with broken %-encoding reads as invalid, not as a crash. */
function entityPath(req: uWS.HttpRequest): [string, string] {
  const kind = req.getParameter(0) ?? '';
  const raw = req.getParameter(1) ?? '';
  try {
    return [kind, decodeURIComponent(raw)];
  } catch {
    return [kind, raw]; // the id check rejects the raw text (it contains '%') with INVALID_ID
  }
}

function answer(response: SafeResponse, log: Logger, work: () => Promise<unknown>): void {
  work().then(
    (body) => response.json(200, body),
    (error) => {
      if (error instanceof RuntimeError) {
        return response.json(statusOf[error.code] ?? 500, { error: { code: error.code, message: error.message, details: error.details } });
      }
      log.error({ err: error }, 'http request failed');
      response.json(500, { error: { code: 'INTERNAL', message: 'internal error; see the node log' } });
    },
  );
}
