import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'uWebSockets.js';
import type { ApiRouter } from './api-router.ts';
import { uwsBuild } from './uws.ts';
import type { Logger } from 'pino';
import type { DispatchOptions } from '../actors/index.ts';
import type { EntityChange } from '../machines/index.ts';
import type { SatelliteCredentialStore } from '../persistence/index.ts';
import type { Assignment, ResultRefusal } from '../protocol/satellite-protocol.ts';
import { TokenBucket } from '../protocol/token-bucket.ts';
import { admitResult, assignedChecksOf, looksLikeResultFrame, type ResultTimeLimits } from './result-admission.ts';
import { ResultIngest, type ResultIngestOptions } from './result-ingest.ts';
import type { SatelliteTraffic } from './satellite-traffic.ts';
import {
  SATELLITE_PATH,
  SATELLITE_PROTOCOL_VERSION,
  SatelliteCloseCode,
  parseSatelliteToken,
  satelliteMessageSchema,
  type GatewayMessage,
  type SatelliteMessage,
} from '../protocol/satellite-protocol.ts';

type ResultFrame = Extract<SatelliteMessage, { type: 'result' }>;

interface Connection {
  satelliteId: string;
  /** Orders connections of one satellite cluster-wide: the greatest session wins. */
  session: SatelliteSession;
  /** The agent's `User-Agent` (printable ASCII, at most 200 characters), shown with its session. */
  agent?: string;
  /** Generation of the credential it authenticated with (see SatelliteCredentialStore). */
  generation: number;
  closed: boolean;
  /** Closed without sending `disconnect`: replaced by a newer socket, the node stopping, or never connected. */
  silentClose: boolean;
  /** Frames the satellite may still send now. */
  frames: TokenBucket;
  /** checkId → systemId of the checks assigned to it; null until first loaded. */
  assigned: Map<string, string> | null;
  /** `authenticated` was sent (later assignment changes go out as `assignments_updated`). */
  authenticated: boolean;
  /** Results that arrived before `assigned` was loaded, judged once it is (at most EARLY_LIMIT). */
  early: ResultFrame[] | undefined;
  /** Assignment loads started, and the newest one applied: a slower, older load never overwrites a newer one. */
  loadsStarted: number;
  loadApplied: number;
  /** A check changed while the first load ran: load again once authenticated. */
  reloadAfterAuth: boolean;
  /** Results refused on this connection (the first is logged as a warning, the rest at debug). */
  refused: number;
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
  /** This node's id, recorded in the satellite's state with each connection. */
  nodeId: string;
  /** Tells the other nodes that this satellite opened a connection here (they close older ones). */
  announce?: (satelliteId: string, session: SatelliteSession) => void;
  credentials: Pick<SatelliteCredentialStore, 'authenticate' | 'generations'>;
  /** The checks a satellite runs (sent on authentication and whenever they change). */
  assignments: (satelliteId: string) => Promise<Assignment[]>;
  dispatch: (kind: string, id: string, event: unknown, options: DispatchOptions) => Promise<EntityChange | null>;
  log: Logger;
  /** How far `executedAt` may be from this node's clock (see `admitResult`). */
  resultTimeLimits: ResultTimeLimits;
  /** How often open sessions' credential generations are compared with the stored ones, ms. */
  credentialRecheckMs: number;
  /** Frames per second a satellite may send (burst: twice that). */
  maxFramesPerSecond?: number;
  /** Results accepted but not yet committed, over all satellites of this node. Default 50,000. */
  maxPendingResults?: number;
  /** Counts results ingested and refused (metrics); absent: not counted. */
  traffic?: SatelliteTraffic;
  /** Where results are stored besides health (they are acknowledged once stored there too); absent: not stored. */
  history?: ResultIngestOptions['history'];
  clock?: () => number;
}

/** The credential change notice a node receives (`SatelliteCredentialNotice`). */
export interface CredentialChange {
  satelliteId: string;
  /** The credential's generation now; null: removed. */
  generation: number | null;
}

const decoder = new TextDecoder();
/** Results kept per connection while its assignments load; more are dropped unacknowledged (sent again later). */
const EARLY_LIMIT = 256;
/** How long a credential change is remembered, for sockets whose upgrade was under way when it arrived, ms. */
const REVOCATION_MEMORY_MS = 60_000;

/**
 * The satellite WebSocket endpoint (`/satellite/v1`). Authentication happens in the upgrade
 * request, so a bad token never gets a socket. Every frame is validated with zod; invalid input
 * is answered with an `error` frame and close code 4400 and touches nothing else. Limits: 64 KiB
 * per frame, a per-satellite frame rate, 256 KiB of unread output (then the socket is closed),
 * 60 s without traffic. The newest connection of a satellite on this node replaces the older one.
 *
 * A satellite speaks only for itself: a result is accepted only for a check assigned to it (kept
 * in memory per connection, refreshed with every `assignments_updated`: no query per result),
 * with that check's system, and with `executedAt` within the time limits; anything else is
 * answered with `results_refused` and never stored. A session whose credential is rotated or
 * removed is closed with 4401: at once on a notice (`credentialChanged`), else by the periodic
 * re-check (`credentialRecheckMs`).
 */
export function attachSatelliteGateway(router: ApiRouter, options: SatelliteGatewayOptions) {
  const { credentials, dispatch, log } = options;
  const clock = options.clock ?? Date.now;
  const rate = options.maxFramesPerSecond ?? 50;
  const open = new Map<string, WebSocket<Connection>>();
  const revocations = new Map<string, { generation: number | null; until: number }>();

  const send = (ws: WebSocket<Connection>, message: GatewayMessage) => {
    if (!ws.getUserData().closed) ws.send(JSON.stringify(message));
  };
  const reject = (ws: WebSocket<Connection>, code: SatelliteCloseCode, error: string, message: string) => {
    if (ws.getUserData().closed) return;
    send(ws, { type: 'error', code: error, message });
    ws.end(code, error);
  };
  const isRevoked = (connection: Connection) => {
    const revocation = revocations.get(connection.satelliteId);
    return revocation !== undefined && (revocation.generation === null || revocation.generation > connection.generation);
  };
  const revoke = (ws: WebSocket<Connection>) =>
    reject(ws, SatelliteCloseCode.Revoked, 'REVOKED', "this satellite's token was rotated or the satellite removed");
  const results = new ResultIngest({
    dispatch,
    actor: `node:${options.nodeId}`,
    log,
    ...(options.maxPendingResults !== undefined ? { maxPending: options.maxPendingResults } : {}),
    traffic: options.traffic,
    ...(options.history ? { history: options.history } : {}),
    // The satellite may have moved to another node meanwhile: it then re-sends these, and the
    // health machine ignores them as duplicates (and that node acknowledges them).
    acknowledge: (satelliteId, resultIds) => {
      const ws = open.get(satelliteId);
      if (ws) send(ws, { type: 'results_acked', resultIds });
    },
  });
  const entityEvent = (satelliteId: string, event: unknown) => dispatch('satellite', satelliteId, event, { actor: `satellite:${satelliteId}` });

  /** Reads the satellite's assignments; `ticket` orders loads of one connection. */
  async function loadAssignments(connection: Connection): Promise<{ ticket: number; assignments: Assignment[] }> {
    const ticket = ++connection.loadsStarted;
    return { ticket, assignments: await options.assignments(connection.satelliteId) };
  }

  /**
   * Makes loaded assignments what the connection may report; false (nothing changed) when it
   * closed or a newer load was applied meanwhile. Results that waited for the first load are
   * judged now, before any later one, so their order is kept.
   */
  function applyAssignments(ws: WebSocket<Connection>, loaded: { ticket: number; assignments: Assignment[] }): boolean {
    const connection = ws.getUserData();
    if (connection.closed || loaded.ticket < connection.loadApplied) return false;
    connection.loadApplied = loaded.ticket;
    connection.assigned = assignedChecksOf(loaded.assignments);
    const early = connection.early;
    connection.early = undefined;
    if (early) judge(ws, early);
    return true;
  }

  /** Queues the admitted results for their health actors; refuses the others in one frame. */
  function judge(ws: WebSocket<Connection>, frames: ResultFrame[]): void {
    const connection = ws.getUserData();
    const now = clock();
    const refusals: ResultRefusal[] = [];
    for (const frame of frames) {
      const refusal = admitResult(frame, connection.assigned!, options.resultTimeLimits, now);
      if (refusal) {
        refusals.push(refusal);
        options.traffic?.resultRefused(refusal.code);
        continue;
      }
      results.add({
        satelliteId: connection.satelliteId,
        resultId: frame.resultId,
        checkId: frame.checkId,
        systemId: frame.systemId,
        success: frame.status === 'up',
        executedAt: frame.executedAt,
        detail: frame.detail,
        latencyMs: frame.latencyMs,
        error: frame.error,
        timings: frame.timings,
        measured: frame.measured,
      });
    }
    if (refusals.length === 0) return;
    for (const refusal of refusals) {
      const fields = { satelliteId: connection.satelliteId, ...refusal };
      if (connection.refused++ === 0) log.warn(fields, 'satellite result refused (further refusals of this connection are logged at debug)');
      else log.debug(fields, 'satellite result refused');
    }
    send(ws, { type: 'results_refused', results: refusals });
  }

  router.ws<Connection>(
    {
      method: 'get',
      path: SATELLITE_PATH,
      access: 'public',
      tag: 'Satellites',
      summary: 'The satellite WebSocket (docs/PROTOCOL.md, "Satellite protocol"); the upgrade needs the satellite\'s own token',
      responses: { 101: { description: 'Switching protocols: the satellite session begins' }, 401: { description: 'No valid satellite token' } },
    },
    {
    maxPayloadLength: 64 * 1024,
    idleTimeout: 60,
    maxBackpressure: 256 * 1024,
    closeOnBackpressureLimit: true,
    sendPingsAutomatically: true,

    upgrade: (res, req, context) => {
      // Everything from `req` must be read now: it is gone after the first await.
      const token = parseSatelliteToken(req.getHeader('authorization'));
      const agent = agentOf(req.getHeader('user-agent'));
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      let aborted = false;
      res.onAborted(() => {
        aborted = true;
      });
      void (async () => {
        const generation = token === null ? null : await credentials.authenticate(token.satelliteId, token.secret).catch(() => null);
        if (aborted) return;
        if (generation === null) {
          res.cork(() => res.writeStatus('401 Unauthorized').writeHeader('content-type', 'application/json').end('{"error":{"code":"UNAUTHORIZED","message":"missing or invalid satellite token"}}'));
          return;
        }
        const connection: Connection = {
          satelliteId: token!.satelliteId,
          ...(agent ? { agent } : {}),
          session: { openedAt: clock(), connectionId: randomUUID() },
          generation,
          closed: false,
          silentClose: false,
          frames: new TokenBucket(rate, rate * 2),
          assigned: null,
          authenticated: false,
          early: undefined,
          loadsStarted: 0,
          loadApplied: 0,
          reloadAfterAuth: false,
          refused: 0,
        };
        // After an await, a write belongs inside res.cork() (uWS warns on stderr otherwise). The
        // uWS 20.30 build cannot cork an upgrade: its cork() reads the response's memory after the
        // callback, which by then belongs to the WebSocket, and 3-13 % of a burst of 100 concurrent
        // upgrades were closed at once (1006; uWebSockets PR #1929). There it goes uncorked.
        if (uwsBuild.corkedUpgrade) res.cork(() => res.upgrade(connection, key, protocol, extensions, context));
        else res.upgrade(connection, key, protocol, extensions, context);
      })();
    },

    open: (ws) => {
      const connection = ws.getUserData();
      const { satelliteId } = connection;
      // Its credential changed while the upgrade was under way.
      if (isRevoked(connection)) {
        connection.silentClose = true;
        return revoke(ws);
      }
      const previous = open.get(satelliteId);
      if (previous) {
        previous.getUserData().silentClose = true;
        reject(previous, SatelliteCloseCode.Replaced, 'REPLACED', 'a newer connection of this satellite took over');
      }
      open.set(satelliteId, ws);
      options.announce?.(satelliteId, connection.session);
      void entityEvent(satelliteId, { type: 'connect', session: { node: options.nodeId, id: connection.session.connectionId, ...(connection.agent ? { agent: connection.agent } : {}) } })
        .then(() => loadAssignments(connection))
        .then(
          (loaded) => {
            if (connection.closed) return;
            // `authenticated` first; refusals of results that arrived meanwhile follow it.
            send(ws, { type: 'authenticated', satelliteId, protocol: SATELLITE_PROTOCOL_VERSION, assignments: loaded.assignments });
            applyAssignments(ws, loaded);
            connection.authenticated = true;
            if (connection.reloadAfterAuth) void refreshOne(satelliteId, ws).catch((error) => log.warn({ err: error, satelliteId }, 'satellite assignments not refreshed'));
          },
          (error) => {
            log.warn({ err: error, satelliteId }, 'satellite could not be marked connected');
            if (connection.closed) return;
            reject(ws, SatelliteCloseCode.Internal, (error as { code?: string }).code ?? 'INTERNAL', String((error as Error).message ?? error));
          },
        );
    },

    message: (ws, data) => {
      const connection = ws.getUserData();
      if (!connection.frames.take()) return reject(ws, SatelliteCloseCode.RateLimited, 'RATE_LIMITED', `more than ${rate} frames per second`);
      // Over its backlog bound the node sheds results before reading them: parsing and checking
      // frames it then drops would take the CPU the backlog needs to drain. Unacknowledged, they
      // come again. (A result frame written another way is read, and then refused the same way.)
      if (results.full && looksLikeResultFrame(data)) return results.shed();
      let message: SatelliteMessage;
      try {
        const parsed = satelliteMessageSchema.safeParse(JSON.parse(decoder.decode(data)));
        if (!parsed.success) return reject(ws, SatelliteCloseCode.ProtocolError, 'INVALID_MESSAGE', parsed.error.issues.map((issue) => `${issue.path.join('.') || '(frame)'}: ${issue.message}`).join('; '));
        message = parsed.data;
      } catch {
        return reject(ws, SatelliteCloseCode.ProtocolError, 'INVALID_JSON', 'frames must be JSON text');
      }
      switch (message.type) {
        case 'heartbeat':
          void entityEvent(connection.satelliteId, { type: 'heartbeat' }).catch((error) => log.warn({ err: error, satelliteId: connection.satelliteId }, 'satellite heartbeat not applied'));
          return;
        case 'result':
          // Committed in a batch with the system's other results; acknowledged after the commit.
          if (connection.assigned) return judge(ws, [message]);
          // Its assignments are still loading: judged once they are (beyond the bound: dropped
          // unacknowledged, so the satellite sends it again).
          if ((connection.early ??= []).length < EARLY_LIMIT) connection.early.push(message);
          else options.traffic?.resultRefused('EARLY_OVERFLOW');
          return;
        case 'check_error':
          log.warn({ satelliteId: connection.satelliteId, checkId: message.checkId, message: message.message }, 'satellite reports a check it cannot run');
          return;
      }
    },

    close: (ws) => {
      const connection = ws.getUserData();
      connection.closed = true;
      connection.early = undefined;
      if (open.get(connection.satelliteId) === ws) open.delete(connection.satelliteId);
      // A replaced socket's satellite is still connected (through the newer socket). The event
      // names this session: if a newer one is current meanwhile (another node), it is refused.
      if (!connection.silentClose) {
        void entityEvent(connection.satelliteId, { type: 'disconnect', sessionId: connection.session.connectionId }).catch(() => undefined);
      }
    },
  });

  /** Sends fresh assignments to the satellite's socket `ws` (after the first load). */
  async function refreshOne(satelliteId: string, ws: WebSocket<Connection>): Promise<void> {
    const connection = ws.getUserData();
    if (!connection.authenticated) {
      connection.reloadAfterAuth = true;
      return;
    }
    connection.reloadAfterAuth = false;
    const loaded = await loadAssignments(connection);
    if (open.get(satelliteId) === ws && applyAssignments(ws, loaded)) send(ws, { type: 'assignments_updated', assignments: loaded.assignments });
  }

  let rechecking = false;
  /** The safety net when a credential notice was lost: one query for every open session. */
  async function recheckCredentials(): Promise<void> {
    if (rechecking) return;
    rechecking = true;
    try {
      const now = clock();
      for (const [satelliteId, revocation] of revocations) if (revocation.until < now) revocations.delete(satelliteId);
      // Connections captured before the query: a socket opened meanwhile is judged next time.
      const sockets = [...open.values()].map((ws) => ({ ws, connection: ws.getUserData() }));
      if (sockets.length === 0) return;
      const current = await credentials.generations(sockets.map(({ connection }) => connection.satelliteId));
      for (const { ws, connection } of sockets) {
        if (connection.closed) continue;
        const generation = current.get(connection.satelliteId);
        // Generations only grow: a smaller stored one is a read older than this session.
        if (generation === undefined || generation > connection.generation) {
          log.warn({ satelliteId: connection.satelliteId }, 'satellite session closed: its credential changed or is gone (found by the periodic re-check)');
          revoke(ws);
        }
      }
    } catch (error) {
      log.warn({ err: error }, 'satellite credential re-check failed; trying again next period');
    } finally {
      rechecking = false;
    }
  }
  const recheckTimer = setInterval(() => void recheckCredentials(), options.credentialRecheckMs);
  recheckTimer.unref();

  return {
    /** Satellites connected to this node now. */
    connected: () => open.size,
    /** The session id of the satellite's socket held here, if any. */
    heldSession: (satelliteId: string): string | undefined => open.get(satelliteId)?.getUserData().session.connectionId,
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
      ws.getUserData().silentClose = true;
      open.delete(satelliteId);
      reject(ws, SatelliteCloseCode.Replaced, 'REPLACED', 'a newer connection of this satellite took over on another node');
    },
    /**
     * A satellite's credential was rotated (a new generation) or removed (null): close its
     * socket here if it authenticated with an older credential (4401), and remember the change
     * for a minute for sockets whose upgrade is under way.
     */
    credentialChanged: (change: CredentialChange) => {
      // The latest notice counts (a removal followed by a new `add` must let the new token in).
      revocations.set(change.satelliteId, { generation: change.generation, until: clock() + REVOCATION_MEMORY_MS });
      const ws = open.get(change.satelliteId);
      if (ws && isRevoked(ws.getUserData())) revoke(ws);
    },
    /** Compares every open session's credential generation with the stored one now (also run every `credentialRecheckMs`). */
    recheckCredentials,
    /** Sends fresh assignments to those of `satelliteIds` connected to this node (and updates what they may report). */
    refreshAssignments: async (satelliteIds: Iterable<string>) => {
      for (const satelliteId of new Set(satelliteIds)) {
        const ws = open.get(satelliteId);
        if (ws) await refreshOne(satelliteId, ws);
      }
    },
    /** Closes every satellite socket (node shutdown). */
    closeAll: (reason: string) => {
      clearInterval(recheckTimer);
      for (const ws of open.values()) {
        ws.getUserData().silentClose = true; // the node stops; do not mark them disconnected one by one
        send(ws, { type: 'shutdown', reason });
        ws.end(SatelliteCloseCode.Shutdown, 'shutdown');
      }
    },
  };
}

/** The `User-Agent` an agent sent, kept only as printable ASCII (at most 200 characters); '' when none. */
function agentOf(header: string): string {
  return header.replace(/[^\x20-\x7e]/g, '').trim().slice(0, 200);
}
