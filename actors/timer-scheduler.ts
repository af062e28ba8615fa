import type { Logger } from 'pino';
import type { EntityKind } from '../machines/index.ts';
import type { DueTimer, PendingCommit, TimerStore } from '../persistence/index.ts';
import type { EntityRuntime } from './entity-runtime.ts';

/**
 * Fires durable timers. Due times live in the database (written with the transition that set
 * them), so timers survive restarts; this node polls for due ones and also arms an in-memory
 * timeout for those its own commits set, so they fire on time rather than at the next poll.
 * A timer never fires before its due time; it may fire more than once (two nodes, a retry),
 * and the machine ignores a timer event whose due time is no longer current, so it takes
 * effect at most once.
 */
export class TimerScheduler {
  private poller: NodeJS.Timeout | undefined;
  private readonly armed = new Map<string, NodeJS.Timeout>();
  private readonly firing = new Set<string>();
  private stopped = false;
  /** Timer events delivered by this node (including ones that turned out stale). */
  fired = 0;

  constructor(
    private readonly runtime: EntityRuntime,
    private readonly timers: TimerStore,
    private readonly log: Logger,
    private readonly options: {
      pollMs: number;
      /** The partitions whose timers this node fires (the ones it owns). */
      ownedPartitions: () => number[];
      owns: (partition: number) => boolean;
      /**
       * Epoch ms a due time is compared with (default `Date.now`). A node passes the cluster
       * clock's `earliest`: a timer fires only once the shared clock has certainly reached it.
       */
      clock?: () => number;
    },
  ) {}

  start(): void {
    this.poller = setInterval(() => void this.poll(), this.options.pollMs);
    this.poller.unref();
    void this.poll();
  }

  stop(): void {
    this.stopped = true;
    if (this.poller) clearInterval(this.poller);
    for (const handle of this.armed.values()) clearTimeout(handle);
    this.armed.clear();
  }

  /** Polls at once (a partition was just acquired: its overdue timers fire now, not at the next poll). */
  pollSoon(): void {
    void this.poll();
  }

  /** Arms in-memory timeouts for the timers a local commit just wrote. */
  onCommitted(items: PendingCommit[]): void {
    for (const { kind, id, partition, timers } of items) {
      if (!timers) continue;
      for (const timer of timers) {
        this.arm({ kind, entityId: id, partition, name: timer.name, dueAt: timer.dueAt, event: timer.event });
      }
    }
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  private arm(timer: DueTimer): void {
    const key = `${timer.kind}\u0000${timer.entityId}\u0000${timer.name}`;
    const existing = this.armed.get(key);
    if (existing) clearTimeout(existing);
    const delay = timer.dueAt - this.now();
    // Far-off timers are left to the poller; a restart would lose an in-memory one anyway.
    if (delay > 10 * 60_000) return;
    const handle = setTimeout(() => {
      this.armed.delete(key);
      void this.fire(timer);
    }, Math.max(0, delay));
    handle.unref();
    this.armed.set(key, handle);
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    try {
      const due = await this.timers.due(this.now(), 500, this.options.ownedPartitions());
      await Promise.all(due.map((timer) => this.fire(timer)));
    } catch (error) {
      this.log.warn({ err: error }, 'timer poll failed; retrying at the next poll');
    }
  }

  private async fire(timer: DueTimer): Promise<void> {
    if (this.stopped) return;
    const key = `${timer.kind}\u0000${timer.entityId}\u0000${timer.name}\u0000${timer.dueAt}`;
    // Only the partition's owner fires; after a handover the new owner's poll finds the timer.
    if (this.firing.has(key) || !this.options.owns(timer.partition)) return;
    // Never early: setTimeout may wake a little before the due time; re-arm for the rest.
    if (this.now() < timer.dueAt) return this.arm(timer);
    this.firing.add(key);
    try {
      this.fired++;
      const change = await this.runtime.deliverInternal(timer.kind as EntityKind, timer.entityId, { ...timer.event });
      // A stale or refused timer event changed nothing; drop its row so it is not polled again
      // (only if no newer transition has moved it meanwhile).
      if (change === null) await this.timers.deleteIfUnchanged(timer);
    } catch (error) {
      this.log.warn({ err: error, timer }, 'timer event failed; it stays stored and fires again at the next poll');
    } finally {
      this.firing.delete(key);
    }
  }
}
