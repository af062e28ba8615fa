import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { cachedRead } from './scrape-cache.ts';
import type { MetricSource } from './source-errors.ts';

export interface OutboxSources {
  /** Rows in the outbox and the commit stamp of the oldest (epoch ms on the cluster's clock); see `OutboxStore.backlogStats`. */
  backlog(): Promise<{ rows: number; oldestAt: number | null }>;
  /** Epoch ms on the cluster's clock (the stamps' clock). */
  now(): number;
  /** Rows this node's relay published, and fast-path publishes that failed (left to the poller), since start. */
  relay(): { published: number; fastPathFailures: number };
}

/** Commit → JetStream ack on the fast path: ~1-10 ms normally. */
const DELAY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The transactional outbox. Cluster-wide (every node reports the same table; aggregate with
 * max, not sum): `vigil_outbox_backlog_rows`, `vigil_outbox_oldest_age_seconds` (0 when empty)
 * — read at scrape time with one query, shared by both and cached for `ttlMs`. Per node:
 * `vigil_outbox_publish_delay_seconds` (each fast-path batch, commit → JetStream ack),
 * `vigil_outbox_published_rows_total`, `vigil_outbox_fast_path_failures_total`.
 */
export function outboxMetrics(registry: Registry, sources: OutboxSources, failed: (source: MetricSource) => void, ttlMs = 1_000) {
  const backlog = cachedRead(ttlMs, () => sources.backlog());
  const read = async (apply: (stats: { rows: number; oldestAt: number | null }) => void, gauge: Gauge) => {
    gauge.reset();
    try {
      apply(await backlog());
    } catch {
      failed('outbox');
    }
  };
  new Gauge({
    name: 'vigil_outbox_backlog_rows',
    help: 'Committed changes not yet acknowledged by JetStream (cluster-wide: the same on every node).',
    registers: [registry],
    async collect() {
      await read((stats) => this.set(stats.rows), this);
    },
  });
  new Gauge({
    name: 'vigil_outbox_oldest_age_seconds',
    help: 'Age of the oldest unpublished outbox row, seconds; 0 when the outbox is empty (cluster-wide).',
    registers: [registry],
    async collect() {
      await read((stats) => this.set(stats.oldestAt === null ? 0 : Math.max(0, (sources.now() - stats.oldestAt) / 1000)), this);
    },
  });
  new Counter({
    name: 'vigil_outbox_published_rows_total',
    help: "Outbox rows this node's relay published to JetStream (both paths).",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.relay().published);
    },
  });
  new Counter({
    name: 'vigil_outbox_fast_path_failures_total',
    help: 'Publishes straight after a commit that failed; their rows were left to the outbox poller.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.relay().fastPathFailures);
    },
  });
  const delay = new Histogram({ name: 'vigil_outbox_publish_delay_seconds', help: 'Commit to JetStream acknowledgement of each batch published right after its commit, seconds.', buckets: DELAY_BUCKETS, registers: [registry] });
  return { published: (seconds: number) => delay.observe(seconds) };
}
