import { Kvm, type KV } from '@nats-io/kv';
import { z } from 'zod';
import type { Bus } from './connection.ts';

/** A member's heartbeat value (`members.<nodeId>`). */
export const memberValueSchema = z.object({
  nodeId: z.string(),
  /** Random per process: tells a restarted node from a second live process with the same id. */
  instance: z.string(),
  startedAt: z.number(),
  httpPort: z.number().int().nonnegative(),
  /** The node's wall clock against the shared (database) clock, as it measured it (see `ClusterClock`). */
  clock: z
    .object({
      /** How far its wall clock is ahead of the database's, ms (negative: behind). */
      offsetMs: z.number(),
      uncertaintyMs: z.number().nonnegative(),
      status: z.enum(['ok', 'warn', 'beyond-max']),
    })
    .optional(),
  /** Why the node owns no partitions now (its clock is too far off); absent: it may own partitions. */
  standby: z.string().max(1_000).optional(),
});
export type MemberValue = z.infer<typeof memberValueSchema>;

/** A partition lease's value (`partitions.<n>`). */
export const leaseValueSchema = z.object({ owner: z.string() });
export type LeaseValue = z.infer<typeof leaseValueSchema>;

/** One change seen on the bucket; `value` is undefined for deletions. */
export type ClusterEvent =
  | { type: 'member'; nodeId: string; value: MemberValue | undefined }
  | { type: 'lease'; partition: number; revision: number; value: LeaseValue | undefined };

/**
 * The cluster's shared, expiring state in a JetStream KV bucket `<ns>_cluster` (NATS 2.9):
 * member heartbeats and partition leases. The bucket TTL is the lease time: a key not rewritten
 * within it disappears, which is how a dead node's leases become free. Creation and renewal are
 * compare-and-set on the key's revision, so exactly one node holds a lease at a time (as far as
 * NATS knows — commits are additionally fenced by epoch in PostgreSQL).
 */
export class ClusterBucket {
  private constructor(private readonly kv: KV) {}

  /**
   * Opens the bucket, creating it (TTL = lease time, `replicas` copies) if it does not exist.
   * Refuses to run with a lease time other than the bucket's: every node must agree on it.
   */
  static async open(bus: Bus, options: { ttlMs: number; replicas: number }): Promise<ClusterBucket> {
    const kv = await new Kvm(bus.nc).create(bucketName(bus), { ttl: options.ttlMs, history: 1, replicas: options.replicas });
    const status = await kv.status();
    if (Math.abs(status.ttl - options.ttlMs) > 1) {
      throw new Error(`cluster bucket ${status.bucket} has TTL ${status.ttl} ms but this node is configured with ${options.ttlMs} ms; every node must use the same VIGIL_LEASE_TTL_MS`);
    }
    return new ClusterBucket(kv);
  }

  /** Opens an existing bucket without creating or checking anything (for read-only tools). */
  static async inspect(bus: Bus): Promise<ClusterBucket | null> {
    return new Kvm(bus.nc).open(bucketName(bus)).then(
      async (kv) => ((await kv.status().catch(() => null)) ? new ClusterBucket(kv) : null),
      () => null,
    );
  }

  async heartbeat(value: MemberValue): Promise<void> {
    await this.kv.put(`members.${value.nodeId}`, JSON.stringify(value));
  }

  async leave(nodeId: string): Promise<void> {
    await this.kv.delete(`members.${nodeId}`);
  }

  /** Takes a free partition; resolves its revision, or null if someone holds it. */
  async acquire(partition: number, owner: string): Promise<number | null> {
    return this.kv.create(`partitions.${partition}`, JSON.stringify({ owner })).catch(() => null);
  }

  /**
   * Renews a held lease: resolves the new revision, 'lost' if the key moved on (expired and
   * taken, or deleted), 'unreachable' if NATS did not answer (the lease may still be ours).
   */
  async renew(partition: number, owner: string, revision: number): Promise<number | 'lost' | 'unreachable'> {
    try {
      return await this.kv.update(`partitions.${partition}`, JSON.stringify({ owner }), revision);
    } catch (error) {
      return /wrong last sequence|key not found|deleted/i.test(String((error as Error).message)) ? 'lost' : 'unreachable';
    }
  }

  /** Gives a lease up, only if it is still the revision we hold. */
  async release(partition: number, revision: number): Promise<void> {
    await this.kv.delete(`partitions.${partition}`, { previousSeq: revision }).catch(() => undefined);
  }

  /**
   * Calls `onEvent` for every current key, then for every change. Expiry by TTL produces no
   * event: readers age entries out themselves. Invalid values are reported as deletions.
   */
  async watch(onEvent: (event: ClusterEvent) => void): Promise<() => void> {
    const empty = (await this.kv.status()).values === 0;
    const iterator = await this.kv.watch({ key: '>' });
    // Resolve once the current keys have been delivered, so the caller starts from a full view.
    let initialized!: () => void;
    const initial = new Promise<void>((resolve) => (initialized = resolve));
    if (empty) initialized();
    void (async () => {
      for await (const entry of iterator) {
        if (!entry.isUpdate && entry.delta === 0) queueMicrotask(initialized);
        const deleted = entry.operation !== 'PUT';
        if (entry.key.startsWith('members.')) {
          const parsed = deleted ? undefined : memberValueSchema.safeParse(safeJson(entry.string()));
          onEvent({ type: 'member', nodeId: entry.key.slice('members.'.length), value: parsed?.success ? parsed.data : undefined });
        } else if (entry.key.startsWith('partitions.')) {
          const partition = Number(entry.key.slice('partitions.'.length));
          if (!Number.isInteger(partition)) continue;
          const parsed = deleted ? undefined : leaseValueSchema.safeParse(safeJson(entry.string()));
          onEvent({ type: 'lease', partition, revision: entry.revision, value: parsed?.success ? parsed.data : undefined });
        }
      }
    })();
    await Promise.race([initial, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    return () => iterator.stop();
  }

  /** Current members and leases, read once (for `vigil status`). */
  async snapshot(): Promise<{ members: MemberValue[]; leases: Array<{ partition: number; owner: string }> }> {
    const members: MemberValue[] = [];
    const leases: Array<{ partition: number; owner: string }> = [];
    // A key rewritten while listing can be listed twice: read each once.
    const keys = new Set<string>();
    for await (const key of await this.kv.keys()) keys.add(key);
    for (const key of keys) {
      const entry = await this.kv.get(key);
      if (!entry || entry.operation !== 'PUT') continue;
      if (key.startsWith('members.')) {
        const parsed = memberValueSchema.safeParse(safeJson(entry.string()));
        if (parsed.success) members.push(parsed.data);
      } else if (key.startsWith('partitions.')) {
        const parsed = leaseValueSchema.safeParse(safeJson(entry.string()));
        if (parsed.success) leases.push({ partition: Number(key.slice('partitions.'.length)), owner: parsed.data.owner });
      }
    }
    return { members, leases: leases.sort((a, b) => a.partition - b.partition) };
  }
}

function bucketName(bus: Bus): string {
  return bus.subjects.clusterBucket;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
