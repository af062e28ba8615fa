import type { Registry } from 'prom-client';
import { TallyCounter } from './tally-counter.ts';

/** What scrape-time gauges read from (a label of `vigil_metrics_source_errors_total`). */
export type MetricSource = 'outbox' | 'consumers' | 'parked';

/**
 * `vigil_metrics_source_errors_total{source}`: scrape-time reads that failed (database or NATS
 * unreachable). The gauges fed by a failed read show no series for that scrape rather than a
 * stale or made-up value.
 */
export function sourceErrors(registry: Registry): (source: MetricSource) => void {
  const counter = new TallyCounter(registry, { name: 'vigil_metrics_source_errors_total', help: 'Scrape-time reads (database, JetStream) that failed; their gauges are absent from that scrape.', labelNames: ['source'] });
  const tallies = { outbox: counter.tally('outbox'), consumers: counter.tally('consumers'), parked: counter.tally('parked') };
  return (source) => void tallies[source].count++;
}
