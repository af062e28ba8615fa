import type { ClusterClock, OutboxRelay, Placement } from '../actors/index.ts';
import type { Bus } from '../bus/index.ts';
import type { HttpServer } from '../gateway/index.ts';
import type { NodeMetricSources } from '../metrics/index.ts';
import type { OutboxStore } from '../persistence/index.ts';
import { readConsumers, readParked } from './cluster-status.ts';

/** The parts of a node its gauges read, filled in as the node starts them. */
export interface MeteredParts {
  bus?: Bus;
  relay?: OutboxRelay;
  placement?: Placement;
  http?: HttpServer;
}

/**
 * What the node's gauges read when scraped: the outbox table, JetStream's consumer and parked
 * stream state (the same reads as `GET /cluster/status`), and the parts' own counts. A part not
 * started yet reads as nothing (0 or no series).
 */
export function nodeMetricSources(nodeId: string, outbox: OutboxStore, clock: ClusterClock, parts: MeteredParts): NodeMetricSources {
  return {
    nodeId,
    backlog: () => outbox.backlogStats(),
    now: () => clock.latest(),
    relay: () => ({ published: parts.relay?.published ?? 0, fastPathFailures: parts.relay?.fastPathFailures ?? 0 }),
    consumers: async () => {
      const { bus } = parts;
      if (!bus) return [];
      const prefix = bus.subjects.durable('');
      return (await readConsumers(bus)).map((consumer) => ({
        stream: consumer.stream === bus.subjects.streams.entity ? 'entity' : 'trigger',
        group: consumer.name.startsWith(prefix) ? consumer.name.slice(prefix.length) : consumer.name,
        pending: consumer.pending,
        ackPending: consumer.ackPending,
      }));
    },
    parked: async () => {
      const { bus } = parts;
      if (!bus) return [];
      const prefix = bus.subjects.parked('');
      return (await readParked(bus)).map(({ subject, messages }) => ({ group: subject.startsWith(prefix) ? subject.slice(prefix.length) : subject, messages }));
    },
    partitionsOwned: () => parts.placement?.ownedPartitions().length ?? 0,
    satellitesConnected: () => parts.http?.satellitesConnected() ?? 0,
    clock: () => clock.reading(),
  };
}
