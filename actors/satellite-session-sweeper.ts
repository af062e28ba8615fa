import type { Logger } from 'pino';
import type { EntityChange } from '../machines/index.ts';
import type { ConnectedSatellite, SatelliteSessionStore } from '../persistence/index.ts';
import type { DispatchOptions } from './entity-runtime.ts';
import { isEventNotAllowed } from './errors.ts';

/** What a node knows when it judges the sessions the stored state says are open. */
export interface SessionView {
  nodeId: string;
  /** The session id of the socket of this satellite held on this node, if any. */
  heldSession(satelliteId: string): string | undefined;
  /** Whether this node owns the partition of the satellite entity. */
  ownsSatellite(satelliteId: string): boolean;
  /** Whether `nodeId` is known to be gone (see `Placement.isGone`): false when in doubt. */
  isGone(nodeId: string): boolean;
}

/** An event that brings a satellite's stored connection back in line with the sockets that exist. */
export interface SessionRepair {
  satelliteId: string;
  event: { type: 'disconnect'; sessionId: string } | { type: 'connect'; session: { node: string; id: string } };
}

/**
 * Which stored connections are stale, and what to send:
 * - a session on this node that this node does not hold (it crashed and restarted with the same
 *   id, or a `disconnect` was lost): `disconnect` it — or, when this node holds a newer socket of
 *   the satellite, `connect` that one;
 * - a session on another node that is gone, for a satellite whose partition this node owns:
 *   `disconnect` it (each partition's owner cleans up its own satellites, so exactly one node does).
 * Sessions of live nodes and satellites of other owners are left alone; a state without a session
 * (connected before machine v3) is never judged.
 */
export function sessionsToRepair(connected: readonly ConnectedSatellite[], view: SessionView): SessionRepair[] {
  const repairs: SessionRepair[] = [];
  for (const { satelliteId, session } of connected) {
    if (!session) continue;
    if (session.node === view.nodeId) {
      const held = view.heldSession(satelliteId);
      if (held === session.id) continue;
      repairs.push({
        satelliteId,
        event: held === undefined ? { type: 'disconnect', sessionId: session.id } : { type: 'connect', session: { node: view.nodeId, id: held } },
      });
    } else if (view.ownsSatellite(satelliteId) && view.isGone(session.node)) {
      repairs.push({ satelliteId, event: { type: 'disconnect', sessionId: session.id } });
    }
  }
  return repairs;
}

export interface SatelliteSessionSweeperOptions extends SessionView {
  sessions: Pick<SatelliteSessionStore, 'connected'>;
  dispatch: (kind: string, id: string, event: unknown, options: DispatchOptions) => Promise<EntityChange | null>;
  log: Logger;
  /** Period of the sweep, ms (the safety net; takeovers ask for one at once with `sweepSoon`). */
  everyMs: number;
  /** Delay of a sweep asked for with `sweepSoon`, so partitions acquired together share one sweep. Default 1,000 ms. */
  soonMs?: number;
}

/** Repair events sent at once, at most. */
const CONCURRENCY = 16;

/**
 * Marks satellites disconnected whose stored session no longer exists: sessions of a node that
 * died (found by the new owner of the satellite's partition) and sessions a restarted node held
 * before it crashed (found by that node). One query per sweep (the satellites whose state says
 * connected), then one `disconnect` (as `node:<nodeId>`) per stale session. A `disconnect` names
 * its session, so a satellite that reconnected meanwhile stays connected (the machine refuses it).
 * Sweeps run on `start`, every `everyMs`, and `soonMs` after `sweepSoon` (partitions acquired).
 */
export class SatelliteSessionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private again = false;
  private started = false;
  private stopped = false;

  constructor(private readonly options: SatelliteSessionSweeperOptions) {}

  /**
   * Starts sweeping: the first sweep after `initialDelayMs` (a node that just started gives the
   * agents of its previous run a moment to reconnect, so they are not marked disconnected just
   * before they are back), then every `everyMs`.
   */
  start(initialDelayMs = 0): void {
    this.started = true;
    this.sweepSoon(initialDelayMs);
    this.timer = setInterval(() => this.sweepSoon(0), this.options.everyMs);
    this.timer.unref();
  }

  /** Asks for a sweep shortly (coalesced with other requests; ignored before `start`). */
  sweepSoon(delayMs = this.options.soonMs ?? 1_000): void {
    if (!this.started || this.stopped || this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.sweep().catch((error) => this.options.log.warn({ err: error }, 'satellite session sweep failed'));
    }, delayMs);
    this.soon.unref();
  }

  /** One sweep now (or right after the one running); resolves the number of repairs applied. */
  async sweep(): Promise<number> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.sweepSoon(0);
      }
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.soon);
    await this.running?.catch(() => undefined);
  }

  private async run(): Promise<number> {
    const repairs = sessionsToRepair(await this.options.sessions.connected(), this.options);
    let applied = 0;
    let next = 0;
    const worker = async () => {
      while (next < repairs.length && !this.stopped) {
        const { satelliteId, event } = repairs[next++]!;
        try {
          if (await this.options.dispatch('satellite', satelliteId, event, { actor: `node:${this.options.nodeId}` })) applied++;
        } catch (error) {
          // Refused: the satellite reconnected (another session is current) or was removed.
          if (!isEventNotAllowed(error)) this.options.log.warn({ err: error, satelliteId, event }, 'stale satellite session not repaired; the next sweep tries again');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, repairs.length) }, worker));
    if (repairs.length > 0) this.options.log.info({ stale: repairs.length, applied }, 'satellite sessions of gone nodes or sockets marked disconnected');
    return applied;
  }
}
