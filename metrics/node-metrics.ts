import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { ClockReading, CommitObserver, CommandObserver } from '../actors/index.ts';
import type { DeliveryObserver } from '../bus/index.ts';
import type { HttpObserver, SatelliteTraffic } from '../gateway/index.ts';
import { automationRunMetrics } from './automation-run-metrics.ts';
import { clockMetrics } from './clock-metrics.ts';
import { commandMetrics } from './command-metrics.ts';
import { commitMetrics } from './commit-metrics.ts';
import { historyMetrics } from './history-metrics.ts';
import { notificationMetrics } from './notification-metrics.ts';
import type { DeliveryAttemptObserver } from '../automations/engine/delivery-attempts.ts';
import type { HistoryObserver } from '../history/check-history-writer.ts';
import { consumerMetrics, type ConsumerSources } from './consumer-metrics.ts';
import { httpMetrics } from './http-metrics.ts';
import { outboxMetrics, type OutboxSources } from './outbox-metrics.ts';
import { placementMetrics } from './placement-metrics.ts';
import { satelliteMetrics } from './satellite-metrics.ts';
import { sourceErrors } from './source-errors.ts';

/**
 * What the node's gauges read at scrape time. The node builds its parts after the metrics (they
 * need the observers), so these are called only when scraped and may answer "nothing yet".
 */
export interface NodeMetricSources extends OutboxSources, ConsumerSources {
  nodeId: string;
  partitionsOwned(): number;
  satellitesConnected(): number;
  clock(): ClockReading;
}

/** A node's metrics: its own registry, and the observers its parts report to. */
export interface NodeMetrics {
  readonly registry: Registry;
  /** The group commit: batch sizes, latency, and the automation runs started and ended in it. */
  readonly commits: CommitObserver;
  /** Fast-path outbox publishes: commit → JetStream ack, seconds. */
  readonly outboxPublished: (seconds: number) => void;
  readonly deliveries: DeliveryObserver;
  readonly leaseRenewed: (ok: boolean) => void;
  readonly satellites: SatelliteTraffic;
  /** The check history's writer: results per transaction, latency, stored and duplicate results. */
  readonly history: HistoryObserver;
  /** Notification delivery attempts, by action and outcome. */
  readonly notifications: DeliveryAttemptObserver;
  readonly http: HttpObserver;
  readonly commands: CommandObserver;
  /** The exposition text (Prometheus text format 0.0.4) and its content type. */
  scrape(): Promise<{ contentType: string; text: string }>;
}

/**
 * Creates a node's metrics in a registry of its own (never prom-client's global one: tests run
 * several nodes in one process): the process and Node.js defaults (`process_*`, `nodejs_*`,
 * among them `nodejs_eventloop_lag_*`) and Vigil's `vigil_*` families (see the files next to this
 * one; docs/OPERATIONS.md lists them). Hot paths only bump numbers; gauges of shared state are
 * read when scraped.
 */
export function createNodeMetrics(sources: NodeMetricSources): NodeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({ name: 'vigil_node_info', help: 'Always 1; labels identify the node.', labelNames: ['node_id'], registers: [registry] }).set({ node_id: sources.nodeId }, 1);
  const failed = sourceErrors(registry);
  const commits = commitMetrics(registry);
  const runs = automationRunMetrics(registry);
  const outbox = outboxMetrics(registry, sources, failed);
  const deliveries = consumerMetrics(registry, sources, failed);
  const leaseRenewed = placementMetrics(registry, () => sources.partitionsOwned());
  const satellites = satelliteMetrics(registry, () => sources.satellitesConnected());
  clockMetrics(registry, () => sources.clock());
  return {
    registry,
    commits: {
      committed: (committed, seconds) => {
        commits.committed(committed, seconds);
        runs.committed(committed);
      },
      failed: () => commits.failed(),
    },
    outboxPublished: outbox.published,
    deliveries,
    leaseRenewed,
    satellites,
    history: historyMetrics(registry),
    notifications: notificationMetrics(registry),
    http: httpMetrics(registry),
    commands: commandMetrics(registry),
    scrape: async () => ({ contentType: registry.contentType, text: await registry.metrics() }),
  };
}
