import { ClusterBucket, type Bus, type MemberValue } from '../bus/index.ts';
import { LeaseStore, OutboxStore, TimerStore, type Database } from '../persistence/index.ts';
import type { VigilConfig } from './config.ts';

/** What `vigil status` reports: the cluster as PostgreSQL and NATS see it right now. */
export interface ClusterStatus {
  namespace: string;
  nodes: Array<{
    nodeId: string;
    httpPort: number;
    startedAt: string;
    partitions: number[];
    /** Its wall clock against the database's, as the node measured it (absent: a node of an older version). */
    clock?: MemberValue['clock'];
    /** Why it owns no partitions now (its clock is too far off); absent: it may own partitions. */
    standby?: string;
  }>;
  /** Partitions whose lease nobody holds right now (a failover in progress, or no node running). */
  unownedPartitions: number[];
  partitionCount: number;
  outboxBacklog: number;
  timers: number;
  consumers: Array<{ stream: string; name: string; filter: string; pending: number; ackPending: number; redelivered: number }>;
  parked: Array<{ subject: string; messages: number }>;
}

/**
 * Reads the cluster's state as PostgreSQL and NATS see it now, without joining anything (no
 * lease, no consumer is created). Served by every node at `GET /cluster/status`.
 */
export async function readClusterStatus(database: Database, bus: Bus, config: Pick<VigilConfig, 'namespace' | 'partitions'>): Promise<ClusterStatus> {
  const bucket = await ClusterBucket.inspect(bus);
  const { members, leases } = bucket ? await bucket.snapshot() : { members: [], leases: [] };
  const partitionCount = Number((await new LeaseStore(database).read('partitions')) ?? config.partitions);
  const held = new Set(leases.map((lease) => lease.partition));
  const nodes = members
    .map((member) => ({
      nodeId: member.nodeId,
      httpPort: member.httpPort,
      startedAt: new Date(member.startedAt).toISOString(),
      partitions: leases.filter((lease) => lease.owner === member.nodeId).map((lease) => lease.partition),
      ...(member.clock ? { clock: member.clock } : {}),
      ...(member.standby ? { standby: member.standby } : {}),
    }))
    .sort((a, b) => a.nodeId.localeCompare(b.nodeId));

  const consumers = await readConsumers(bus);
  const parked = await readParked(bus);

  return {
    namespace: config.namespace,
    nodes,
    unownedPartitions: Array.from({ length: partitionCount }, (_, partition) => partition).filter((partition) => !held.has(partition)),
    partitionCount,
    outboxBacklog: await new OutboxStore(database).backlog(),
    timers: await new TimerStore(database).count(),
    consumers,
    parked,
  };
}

/** The durable (work-queue) consumers of the entity and trigger streams, as JetStream reports them now. */
export async function readConsumers(bus: Bus): Promise<ClusterStatus['consumers']> {
  const consumers: ClusterStatus['consumers'] = [];
  for (const stream of [bus.subjects.streams.entity, bus.subjects.streams.trigger]) {
    for await (const info of bus.jsm.consumers.list(stream)) {
      if (!info.config.durable_name) continue; // ephemeral broadcast subscribers
      consumers.push({
        stream,
        name: info.name,
        filter: info.config.filter_subject ?? '>',
        pending: info.num_pending,
        ackPending: info.num_ack_pending,
        redelivered: info.num_redelivered,
      });
    }
  }
  return consumers;
}

/** Messages parked per subject (`<ns>.parked.<group>`); empty when the parked stream cannot be read. */
export async function readParked(bus: Bus): Promise<ClusterStatus['parked']> {
  const parkedInfo = await bus.jsm.streams.info(bus.subjects.streams.parked, { subjects_filter: bus.subjects.parkedFilter() }).catch(() => null);
  return Object.entries(parkedInfo?.state.subjects ?? {}).map(([subject, messages]) => ({ subject, messages: Number(messages) }));
}
