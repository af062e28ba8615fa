import { ClusterBucket, connectBus } from '../bus/index.ts';
import { Database, LeaseStore, OutboxStore, TimerStore } from '../persistence/index.ts';
import type { VigilConfig } from '../node/index.ts';

/** What `vigil status` reports: the cluster as PostgreSQL and NATS see it right now. */
export interface ClusterStatus {
  namespace: string;
  nodes: Array<{ nodeId: string; httpPort: number; startedAt: string; partitions: number[] }>;
  /** Partitions whose lease nobody holds right now (a failover in progress, or no node running). */
  unownedPartitions: number[];
  partitionCount: number;
  outboxBacklog: number;
  timers: number;
  consumers: Array<{ stream: string; name: string; filter: string; pending: number; ackPending: number; redelivered: number }>;
  parked: Array<{ subject: string; messages: number }>;
}

/** Reads the cluster's state without joining it (no lease, no consumer is created). */
export async function readClusterStatus(config: VigilConfig): Promise<ClusterStatus> {
  if (!config.natsUrl) throw new Error('vigil status needs NATS_URL (the cluster to inspect)');
  const database = await Database.open({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  const bus = await connectBus({ servers: config.natsUrl, namespace: config.namespace, name: 'vigil-status', auth: config.nats });
  try {
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
      }))
      .sort((a, b) => a.nodeId.localeCompare(b.nodeId));

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
    const parkedInfo = await bus.jsm.streams.info(bus.subjects.streams.parked, { subjects_filter: bus.subjects.parkedFilter() }).catch(() => null);
    const parked = Object.entries(parkedInfo?.state.subjects ?? {}).map(([subject, messages]) => ({ subject, messages: Number(messages) }));

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
  } finally {
    await bus.close();
    await database.close();
  }
}

/** The status as a short human-readable report. */
export function formatClusterStatus(status: ClusterStatus): string {
  const lines: string[] = [];
  lines.push(`namespace ${status.namespace}: ${status.nodes.length} node(s), ${status.partitionCount} partitions`);
  for (const node of status.nodes) {
    lines.push(`  ${node.nodeId.padEnd(24)} http :${String(node.httpPort).padEnd(6)} started ${node.startedAt}  ${node.partitions.length} partitions ${compactRanges(node.partitions)}`);
  }
  lines.push(status.unownedPartitions.length === 0 ? 'every partition has an owner' : `WITHOUT OWNER: ${compactRanges(status.unownedPartitions)}`);
  lines.push(`outbox backlog: ${status.outboxBacklog} change(s) committed but not yet on JetStream`);
  lines.push(`durable timers: ${status.timers}`);
  lines.push(status.consumers.length === 0 ? 'work-queue groups: none' : 'work-queue groups (pending = lag, ack pending = in handlers):');
  for (const consumer of status.consumers) {
    lines.push(`  ${consumer.name.padEnd(28)} ${consumer.filter.padEnd(32)} pending ${consumer.pending}, ack pending ${consumer.ackPending}, redelivered ${consumer.redelivered}`);
  }
  lines.push(status.parked.length === 0 ? 'parked messages: none' : 'parked messages:');
  for (const parked of status.parked) lines.push(`  ${parked.subject.padEnd(40)} ${parked.messages}`);
  return lines.join('\n');
}

function compactRanges(values: number[]): string {
  const ranges: string[] = [];
  for (let index = 0; index < values.length; ) {
    let end = index;
    while (end + 1 < values.length && values[end + 1] === values[end]! + 1) end++;
    ranges.push(end === index ? String(values[index]) : `${values[index]}-${values[end]}`);
    index = end + 1;
  }
  return ranges.join(',');
}
