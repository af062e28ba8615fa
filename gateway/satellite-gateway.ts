import { randomUUID } from 'node:crypto';
import uWS from 'uWebSockets.js';
import type { Logger } from 'pino';
import type { DispatchOptions } from '../actors/index.ts';
import type { EntityChange } from '../machines/index.ts';
import type { SatelliteCredentialStore } from '../persistence/index.ts';
import type { Assignment } from '../protocol/satellite-protocol.ts';
import { TokenBucket } from '../protocol/token-bucket.ts';
import { ResultIngest } from './result-ingest.ts';
import {
  SATELLITE_PATH,
  SATELLITE_PROTOCOL_VERSION,
  SatelliteCloseCode,
  parseSatelliteToken,
  satelliteMessageSchema,
  type GatewayMessage,
  type SatelliteMessage,
} from '../protocol/satellite-protocol.ts';

interface Connection {
  satelliteId: string;
  /** Orders connections of one satellite cluster-wide: the greatest session wins. */
  session: SatelliteSession;
  closed: boolean;
  replaced: boolean;
  /** Frames the satellite may still send now. */
  frames: TokenBucket;
}

/** A connection of a satellite, as announced to the other nodes. */
export interface SatelliteSession {
  openedAt: number;
  connectionId: string;
}

/** True when `a` is the newer session (opened later; ties broken by id, the same on every node). */
function newer(a: SatelliteSession, b: SatelliteSession): boolean {
  return a.openedAt !== b.openedAt ? a.openedAt > b.openedAt : a.connectionId > b.connectionId;
}

export interface SatelliteGatewayOptions {
  /** Tells the other nodes that this satellite opened a connection here (they close older ones). */
  announce?: (satelliteId: string, session: SatelliteSession) => void;
  credentials: SatelliteCredentialStore;
  /** The checks a satellite runs (sent on authentication and whenever they change). */
  assignments: (satelliteId: string) => Promise<Assignment[]>;
  dispatch: (kind: string, id: string, event: unknown, options: DispatchOptions) => Promise<EntityChange | null>;
  log: Logger;
  /** Frames per second a satellite may send (burst: twice that). */
  maxFramesPerSecond?: number;
  /** Results accepted but not yet committed, over all satellites of this node. Default 50,000. */
  maxPendingResults?: number;
}

const decoder = new TextDecoder();

/**
 * The satellite WebSocket endpoint (`/satellite/v1`). Authentication happens in the upgrade
 * request, so a bad token never gets a socket. Every frame is validated with zod; invalid input
 * is answered with an `error` frame and close code 4400 and touches nothing else. Limits: 64 KiB
 * per frame, a per-satellite frame rate, 256 KiB of unread output (then the socket is closed),
 * 60 s without traffic. The newest connection of a satellite on this node replaces the older one.
 */
export function attachSatelliteGateway(app: uWS.TemplatedApp, options: SatelliteGatewayOptions) {
  const { credentials, dispatch, log } = options;
  const rate = options.maxFramesPerSecond ?? 50;
  const open = new Map<string, uWS.WebSocket<Connection>>();

  const send = (ws: uWS.WebSocket<Connection>, message: GatewayMessage) => {
    if (!ws.getUserData().closed) ws.send(JSON.stringify(message));
  };
  const reject = (ws: uWS.WebSocket<Connection>, code: SatelliteCloseCode, error: string, message: string) => {
    if (ws.getUserData().closed) return;
    send(ws, { type: 'error', code: error, message });
    ws.end(code, error);
  };
  const results = new ResultIngest({
    dispatch,
    log,
    ...(options.maxPendingResults !== undefined ? { maxPending: options.maxPendingResults } : {}),
    // The satellite may have moved to another node meanwhile: it then re-sends these, and the
    // health machine ignores them as duplicates (and that node acknowledges them).
    acknowledge: (satelliteId, resultIds) => {
      const ws = open.get(satelliteId);
      if (ws) send(ws, { type: 'results_acked', resultIds });
    },
  });
  const entityEvent = (satelliteId: string, event: unknown, commandId?: string) =>
    dispatch('satellite', satelliteId, event, { actor: `satellite:${satelliteId}`, ...(commandId ? { commandId } : {}) });

  app.ws<Connection>(SATELLITE_PATH, {
    maxPayloadLength: 64 * 1024,
    idleTimeout: 60,
    maxBackpressure: 256 * 1024,
    closeOnBackpressureLimit: 1,
    sendPingsAutomatically: true,

    upgrade: (res, req, context) => {
      // Everything from `req` must be read now: it is gone after the first await.
      const token = parseSatelliteToken(req.getHeader('authorization'));
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      let aborted = false;
      res.onAborted(() => {
        aborted = true;
      });
      void (async () => {
        const valid = token !== null && (await credentials.verify(token.satelliteId, token.secret).catch(() => false));
        if (aborted) return;
        if (!valid) {
          res.cork(() => res.writeStatus('401 Unauthorized').writeHeader('content-type', 'application/json').end('{"error":{"code":"UNAUTHORIZED","message":"missing or invalid satellite token"}}'));
          return;
        }
        const session = { openedAt: Date.now(), connectionId: randomUUID() };
        const connection: Connection = { satelliteId: token!.satelliteId, session, closed: false, replaced: false, frames: new TokenBucket(rate, rate * 2) };
        // Not inside res.cork(): uWS's cork() reads the HTTP response's state after its callback,
        // and after an asynchronous upgrade that memory belongs to the WebSocket, so some fresh
        // sockets were closed at once (1006; uWebSockets PR #1929). Measured here: 3-13 % of a
        // burst of 100 concurrent upgrades were lost before, none after. The price: uWS prints a
        // "writes must be made from within a corked callback" warning on stderr per upgrade.
        res.upgrade(connection, key, protocol, extensions, context);
      })();
    },

    open: (ws) => {
      const { satelliteId } = ws.getUserData();
      const previous = open.get(satelliteId);
      if (previous) {
        previous.getUserData().replaced = true;
        reject(previous, SatelliteCloseCode.Replaced, 'REPLACED', 'a newer connection of this satellite took over');
      }
      open.set(satelliteId, ws);
      options.announce?.(satelliteId, ws.getUserData().session);
      void entityEvent(satelliteId, { type: 'connect' })
        .then(() => options.assignments(satelliteId))
        .then(
        (assignments) => send(ws, { type: 'authenticated', satelliteId, protocol: SATELLITE_PROTOCOL_VERSION, assignments }),
        (error) => {
          log.warn({ err: error, satelliteId }, 'satellite could not be marked connected');
          reject(ws, SatelliteCloseCode.Internal, (error as { code?: string }).code ?? 'INTERNAL', String((error as Error).message ?? error));
        },
      );
    },

    message: (ws, data) => {
      const connection = ws.getUserData();
      if (!connection.frames.take()) return reject(ws, SatelliteCloseCode.RateLimited, 'RATE_LIMITED', `more than ${rate} frames per second`);
      let message: SatelliteMessage;
      try {
        const parsed = satelliteMessageSchema.safeParse(JSON.parse(decoder.decode(data)));
        if (!parsed.success) return reject(ws, SatelliteCloseCode.ProtocolError, 'INVALID_MESSAGE', parsed.error.issues.map((issue) => `${issue.path.join('.') || '(frame)'}: ${issue.message}`).join('; '));
        message = parsed.data;
      } catch {
        return reject(ws, SatelliteCloseCode.ProtocolError, 'INVALID_JSON', 'frames must be JSON text');
      }
      void handle(connection.satelliteId, message).catch((error) => log.warn({ err: error, satelliteId: connection.satelliteId, type: message.type }, 'satellite message not applied'));
    },

    close: (ws) => {
      const connection = ws.getUserData();
      connection.closed = true;
      if (open.get(connection.satelliteId) === ws) open.delete(connection.satelliteId);
      // A replaced socket's satellite is still connected (through the newer socket).
      if (!connection.replaced) void entityEvent(connection.satelliteId, { type: 'disconnect' }).catch(() => undefined);
    },
  });

  async function handle(satelliteId: string, message: SatelliteMessage): Promise<void> {
    switch (message.type) {
      case 'heartbeat':
        await entityEvent(satelliteId, { type: 'heartbeat' });
        return;
      case 'result':
        // Committed in a batch with the system's other results; acknowledged after the commit.
        results.add({
          satelliteId,
          resultId: message.resultId,
          checkId: message.checkId,
          systemId: message.systemId,
          success: message.status === 'up',
          executedAt: message.executedAt,
          detail: message.detail,
        });
        return;
      case 'check_error':
        log.warn({ satelliteId, checkId: message.checkId, message: message.message }, 'satellite reports a check it cannot run');
        return;
    }
  }

  return {
    /** Satellites connected to this node now. */
    connected: () => open.size,
    /**
     * Another node announced a connection of `satelliteId`: if it is newer than the one held
     * here, close ours as replaced (without `disconnect`: the satellite is connected there).
     * Every node applies the same order, so exactly one connection survives a race.
     */
    sessionAnnounced: (satelliteId: string, session: SatelliteSession) => {
      const ws = open.get(satelliteId);
      if (!ws) return;
      const mine = ws.getUserData().session;
      if (mine.connectionId === session.connectionId || !newer(session, mine)) return;
      ws.getUserData().replaced = true;
      open.delete(satelliteId);
      reject(ws, SatelliteCloseCode.Replaced, 'REPLACED', 'a newer connection of this satellite took over on another node');
    },
    /** Sends fresh assignments to those of `satelliteIds` connected to this node. */
    refreshAssignments: async (satelliteIds: Iterable<string>) => {
      for (const satelliteId of new Set(satelliteIds)) {
        const ws = open.get(satelliteId);
        if (!ws) continue;
        const assignments = await options.assignments(satelliteId);
        if (open.get(satelliteId) === ws) send(ws, { type: 'assignments_updated', assignments });
      }
    },
    /** Closes every satellite socket (node shutdown). */
    closeAll: (reason: string) => {
      for (const ws of open.values()) {
        ws.getUserData().replaced = true; // the node stops; do not mark them disconnected one by one
        send(ws, { type: 'shutdown', reason });
        ws.end(SatelliteCloseCode.Shutdown, 'shutdown');
      }
    },
  };
}
