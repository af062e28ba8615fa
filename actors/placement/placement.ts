import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ClusterBucket, MemberValue } from '../../bus/index.ts';
import type { LeaseFence, LeaseStore } from '../../persistence/index.ts';
import { desiredOwner } from './partitioning.ts';
import { createPlacementView, type PlacementView } from './placement-view.ts';

/** What the node does when it gains or loses a partition. */
export interface PlacementHooks {
  /** The partition is ours now (fire its due timers, …). */
  acquired(partition: number): void;
  /** The partition is not ours any more: drop its actors. */
  lost(partition: number): void;
  /** Before handing a partition over: wait until its in-flight events are committed. */
  drain(partition: number, timeoutMs: number): Promise<void>;
}

export interface PlacementOptions {
  nodeId: string;
  httpPort: number;
  partitionCount: number;
  /** Lease time: a node that stops renewing loses its partitions after this long. */
  leaseTtlMs: number;
  bucket: ClusterBucket;
  leases: LeaseStore;
  hooks: PlacementHooks;
  log: Logger;
  /** Whether NATS is reachable now (see `owns`). */
  isConnected: () => boolean;
  /** Another live process heartbeats under this node's id: two writers would fight; stop. */
  onDuplicateNodeId: (other: { instance: string; startedAt: number }) => void;
  /**
   * Why this node must own no partition now (its clock is too far off: `ClockGuard.check`), or
   * undefined when it may. Asked every tick: in standby the node hands its partitions over,
   * takes none, and says so in its heartbeat, so the other nodes leave it out when they share
   * the partitions out; it takes its share again once the answer is undefined.
   */
  standby?: () => string | undefined;
  /** The node's clock reading, published in its heartbeat (shown by `vigil status`). */
  clockReport?: () => MemberValue['clock'];
  /** Local time for lease and heartbeat ages (default `Date.now`; the node passes a monotonic one). */
  clock?: () => number;
  /** Told the outcome of every lease renewal (metrics): false when the lease was lost or NATS did not answer. */
  onLeaseRenewal?: (ok: boolean) => void;
}

interface HeldLease {
  revision: number;
  epoch: number;
  /** Local time just before the last successful create/renew was sent. */
  renewedAt: number;
  releasing: boolean;
}

/**
 * Placement: every partition has at most one owner node, which hosts its entities' actors.
 * Leases live in the cluster KV bucket (create/renew by compare-and-set, expiry by bucket TTL);
 * the desired owner of a partition is chosen by rendezvous hashing over live members, so a
 * joining node takes its share and a leaving node's partitions spread over the rest. Taking a
 * partition bumps its epoch in PostgreSQL, which fences every commit of the previous owner.
 *
 * Timing: leases are renewed every TTL/4 (at most 1 s); a node treats a lease it could not renew for 0.8 TTL
 * as lost, before NATS expires it; a free partition is taken at once by its desired owner, and
 * by any node after one further TTL (in case the desired owner is stuck).
 *
 * Standby: a node whose `standby` gives a reason (its clock is too far off) hands its partitions
 * over and takes none; its heartbeat carries the reason, and the others leave it out of the
 * hashing until it clears.
 */
export class Placement {
  readonly view: PlacementView;
  private readonly held = new Map<number, HeldLease>();
  private readonly freeSince = new Map<number, number>();
  private readonly clock: () => number;
  private readonly startedAt: number;
  private readonly instance = randomUUID();
  private heartbeats = 0;
  private stopWatch: (() => void) | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  private standbyReason: string | undefined;

  constructor(private readonly options: PlacementOptions) {
    this.clock = options.clock ?? Date.now;
    this.view = createPlacementView(this.clock);
    this.startedAt = this.clock();
  }

  /** Renewal and rebalancing period: TTL/4, at most 1 s (so takeovers and joins are quick). */
  get tickMs(): number {
    return Math.max(50, Math.min(1_000, Math.floor(this.options.leaseTtlMs / 4)));
  }

  async start(): Promise<void> {
    this.stopWatch = await this.options.bucket.watch((event) => {
      this.view.send({ type: 'observed', event });
      // A predecessor that crashed cannot heartbeat any more: a foreign instance writing our key
      // after our own first heartbeat is a second live process with our id.
      if (event.type === 'member' && event.nodeId === this.options.nodeId && event.value && event.value.instance !== this.instance && this.heartbeats > 0) {
        this.options.onDuplicateNodeId({ instance: event.value.instance, startedAt: event.value.startedAt });
      }
      // A released or newly joined partition/member may be ours to take: look now, not next tick.
      if ((event.type === 'lease' && !event.value) || event.type === 'member') this.tickSoon();
    });
    this.tickSoon();
    await this.ticking;
    this.ticker = setInterval(() => this.tickSoon(), this.tickMs);
    this.ticker.unref();
  }

  /** Resolves once every partition has a live owner (this node's or another's). */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = this.clock() + timeoutMs;
    while (this.coverage() < this.options.partitionCount) {
      if (this.clock() > deadline) {
        const standby = this.standbyReason ? ` (this node owns none: ${this.standbyReason})` : '';
        throw new Error(`only ${this.coverage()} of ${this.options.partitionCount} partitions have an owner after ${timeoutMs} ms${standby}`);
      }
      await this.changed(this.tickMs);
    }
  }

  /**
   * True while this node may write the partition's entities: its lease is fresh, or NATS is
   * unreachable and nothing says it was lost. Writing on through a NATS outage is safe because
   * the epoch in PostgreSQL is the fence: a node that takes the partition over bumps it first,
   * and from then on this node's commits are refused (and it gives the partition up).
   */
  owns(partition: number): boolean {
    const lease = this.held.get(partition);
    return lease !== undefined && !lease.releasing && (this.leaseFresh(lease) || !this.options.isConnected());
  }

  /**
   * True when the lease is known current, so no other node can have written the partition since
   * this node last wrote it: its hot actors are fresh (reads and refusals may use them).
   */
  isFresh(partition: number): boolean {
    const lease = this.held.get(partition);
    return lease !== undefined && !lease.releasing && this.leaseFresh(lease);
  }

  private leaseFresh(lease: HeldLease): boolean {
    return this.clock() - lease.renewedAt < this.options.leaseTtlMs * 0.8;
  }

  /** The node to send the partition's commands to, if any is known alive. */
  ownerOf(partition: number): string | undefined {
    if (this.owns(partition)) return this.options.nodeId;
    const lease = this.view.getSnapshot().context.leases[partition];
    if (!lease || lease.owner === this.options.nodeId || this.clock() - lease.seenAt > this.options.leaseTtlMs) return undefined;
    return lease.owner;
  }

  /**
   * True when `nodeId` is known not to be a live member: its member heartbeat was not seen for
   * longer than the lease time (it crashed, or left), while this node's view is current (its own
   * heartbeats come back through the watch) and has been watched for longer than the lease time.
   * False when in doubt — NATS unreachable, the view stale, this node just started — and always
   * for this node itself. A node restarted with the same id counts as live.
   */
  isGone(nodeId: string): boolean {
    if (nodeId === this.options.nodeId || !this.options.isConnected()) return false;
    const now = this.clock();
    if (now - this.startedAt <= this.options.leaseTtlMs) return false;
    const { members } = this.view.getSnapshot().context;
    const self = members[this.options.nodeId];
    if (!self || now - self.seenAt > Math.max(2 * this.tickMs, this.options.leaseTtlMs / 2)) return false;
    const member = members[nodeId];
    return member === undefined || now - member.seenAt > this.options.leaseTtlMs;
  }

  /** The epochs to fence commits with. */
  fence(): LeaseFence {
    const epochs = new Map<number, number>();
    for (const [partition, lease] of this.held) if (this.owns(partition) || lease.releasing) epochs.set(partition, lease.epoch);
    return { nodeId: this.options.nodeId, epochs };
  }

  ownedPartitions(): number[] {
    return [...this.held.keys()].filter((partition) => this.owns(partition)).sort((a, b) => a - b);
  }

  /** Partitions with a live owner. */
  coverage(): number {
    let covered = 0;
    for (let partition = 0; partition < this.options.partitionCount; partition++) if (this.ownerOf(partition)) covered++;
    return covered;
  }

  /** Resolves on the next change of the view, or after `timeoutMs`. */
  changed(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const subscription = this.view.subscribe(done);
      function done() {
        clearTimeout(timer);
        subscription.unsubscribe();
        resolve();
      }
    });
  }

  /** Hands every partition over (drained first) and leaves the cluster. */
  async stop(drainTimeoutMs: number): Promise<void> {
    this.stopped = true;
    if (this.ticker) clearInterval(this.ticker);
    await this.ticking;
    await Promise.all([...this.held.keys()].map((partition) => this.release(partition, drainTimeoutMs)));
    await this.options.bucket.leave(this.options.nodeId).catch(() => undefined);
    this.stopWatch?.();
  }

  private tickSoon(): void {
    if (this.stopped || this.ticking) return;
    this.ticking = this.tick()
      .catch((error) => this.options.log.warn({ err: error }, 'placement tick failed'))
      .finally(() => {
        this.ticking = undefined;
      });
  }

  private async tick(): Promise<void> {
    const { nodeId, bucket, leaseTtlMs, partitionCount } = this.options;
    const standby = this.options.standby?.();
    this.standbyReason = standby;
    const clock = this.options.clockReport?.();
    const heartbeat: MemberValue = { nodeId, instance: this.instance, startedAt: this.startedAt, httpPort: this.options.httpPort, ...(clock ? { clock } : {}), ...(standby ? { standby } : {}) };
    await bucket.heartbeat(heartbeat).then(
      () => void this.heartbeats++,
      () => undefined,
    );
    await Promise.all([...this.held.entries()].map(([partition, lease]) => this.renew(partition, lease)));
    if (standby) {
      // Drained and handed over like at a graceful stop; the others already see the standby above.
      for (const [partition, lease] of this.held) if (!lease.releasing) void this.release(partition, leaseTtlMs);
      return;
    }

    const now = this.clock();
    const { members } = this.view.getSnapshot().context;
    // A member in standby takes no partition: leave it out, or partitions would be handed to it in vain.
    const candidates = Object.entries(members).filter(([, member]) => now - member.seenAt < leaseTtlMs && !member.standby);
    const live = candidates.map(([id]) => id);
    if (!live.includes(nodeId)) live.push(nodeId);
    // Only members seen for a while count when giving partitions away (no churn while one starts).
    const settled = candidates.filter(([, member]) => now - member.firstSeenAt > 2 * this.tickMs).map(([id]) => id);

    const toAcquire: number[] = [];
    for (let partition = 0; partition < partitionCount; partition++) {
      if (this.held.has(partition)) continue;
      if (this.ownerOf(partition)) {
        this.freeSince.delete(partition);
        continue;
      }
      const freeSince = this.freeSince.get(partition) ?? now;
      this.freeSince.set(partition, freeSince);
      if (desiredOwner(partition, live) === nodeId || now - freeSince > leaseTtlMs) toAcquire.push(partition);
    }
    await Promise.all(toAcquire.map((partition) => this.acquire(partition)));

    for (const [partition, lease] of this.held) {
      if (lease.releasing) continue;
      const desired = desiredOwner(partition, settled.includes(nodeId) ? settled : [...settled, nodeId]);
      if (desired && desired !== nodeId) void this.release(partition, leaseTtlMs);
    }
  }

  private async acquire(partition: number): Promise<void> {
    const sentAt = this.clock();
    // A lease still in our name belongs to an earlier run of this node (restarted after a crash):
    // take it back by compare-and-set instead of waiting for it to expire.
    const seen = this.view.getSnapshot().context.leases[partition];
    let revision: number | null = null;
    if (seen?.owner === this.options.nodeId) {
      const renewed = await this.options.bucket.renew(partition, this.options.nodeId, seen.revision);
      if (typeof renewed === 'number') revision = renewed;
    }
    // Not ours to reclaim (or the key expired meanwhile): take it only if it is free.
    revision ??= await this.options.bucket.acquire(partition, this.options.nodeId);
    if (revision === null) return;
    let epoch: number;
    try {
      // Fencing: from here on the previous owner's commits for this partition are refused.
      epoch = await this.options.leases.acquire(partition, this.options.nodeId, this.options.leaseTtlMs / 2);
    } catch (error) {
      this.options.log.warn({ err: error, partition }, 'could not take the partition epoch; giving the lease back');
      await this.options.bucket.release(partition, revision);
      return;
    }
    this.held.set(partition, { revision, epoch, renewedAt: sentAt, releasing: false });
    this.freeSince.delete(partition);
    this.options.log.debug({ partition, epoch }, 'partition acquired');
    this.options.hooks.acquired(partition);
  }

  private async renew(partition: number, lease: HeldLease): Promise<void> {
    const sentAt = this.clock();
    const result = await this.options.bucket.renew(partition, this.options.nodeId, lease.revision);
    this.options.onLeaseRenewal?.(typeof result === 'number');
    if (typeof result === 'number') {
      lease.revision = result;
      lease.renewedAt = sentAt;
    } else if (result === 'lost') {
      this.lose(partition, 'lease taken or deleted');
    } else if (this.options.isConnected() && !this.leaseFresh(lease)) {
      // NATS answers others but not our renewals: assume the worst. (While NATS is away
      // altogether, the partition stays ours; see `owns`.)
      this.lose(partition, 'lease not renewed in time');
    }
  }

  private async release(partition: number, drainTimeoutMs: number): Promise<void> {
    const lease = this.held.get(partition);
    if (!lease || lease.releasing) return;
    lease.releasing = true;
    await this.options.hooks.drain(partition, drainTimeoutMs);
    await this.options.bucket.release(partition, lease.revision);
    this.held.delete(partition);
    this.options.hooks.lost(partition);
    this.options.log.debug({ partition }, 'partition handed over');
  }

  /**
   * A commit for `partition` was refused by its epoch: someone took the partition over in
   * PostgreSQL, whatever the KV lease says. Give it up (releasing our lease revision, if it is
   * still ours, so the cluster re-converges) instead of refusing every commit until restart.
   */
  fenced(partition: number): void {
    const lease = this.held.get(partition);
    if (!lease) return;
    this.lose(partition, 'a commit found a newer epoch');
    void this.options.bucket.release(partition, lease.revision);
  }

  private lose(partition: number, reason: string): void {
    if (!this.held.delete(partition)) return;
    this.options.log.warn({ partition, reason }, 'partition lost');
    this.options.hooks.lost(partition);
  }
}
