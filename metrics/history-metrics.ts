import { Histogram, type Registry } from 'prom-client';
// The file, not history/index.ts: metrics only need the observer's shape.
import type { HistoryObserver } from '../history/check-history-writer.ts';
import { TallyCounter } from './tally-counter.ts';

/** Seconds: a history transaction of a few hundred rows takes a few ms; thousands under load, tens. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Results per history transaction: 1 at low load, up to the writer's 5,000. */
const SIZE_BUCKETS = [1, 5, 20, 100, 500, 1000, 2500, 5000];

/**
 * The check history's writer (history/check-history-writer.ts), one observation per transaction:
 * `vigil_history_batch_results` — results per transaction; `vigil_history_commit_duration_seconds`;
 * `vigil_history_results_stored_total` — rows stored (and counted in the roll-ups);
 * `vigil_history_results_duplicate_total` — results already stored (sent again), not counted twice;
 * `vigil_history_commit_failures_total` — transactions that failed (retried, then given up).
 */
export function historyMetrics(registry: Registry): HistoryObserver {
  const size = new Histogram({ name: 'vigil_history_batch_results', help: 'Check results per check-history transaction (raw rows and roll-ups together).', buckets: SIZE_BUCKETS, registers: [registry] });
  const duration = new Histogram({ name: 'vigil_history_commit_duration_seconds', help: 'Duration of each committed check-history transaction, seconds.', buckets: DURATION_BUCKETS, registers: [registry] });
  const stored = new TallyCounter(registry, { name: 'vigil_history_results_stored_total', help: 'Check results stored in the history by this node (each counted once in the roll-ups).' }).tally();
  const duplicates = new TallyCounter(registry, { name: 'vigil_history_results_duplicate_total', help: 'Check results this node was given that the history already held (sent again): neither stored nor counted again.' }).tally();
  const failures = new TallyCounter(registry, { name: 'vigil_history_commit_failures_total', help: 'Check-history transactions that failed (database error); retried, then their results are left unacknowledged.' }).tally();
  return {
    committed(results, storedRows, seconds) {
      size.observe(results);
      duration.observe(seconds);
      stored.count += storedRows;
      duplicates.count += results - storedRows;
    },
    failed() {
      failures.count++;
    },
  };
}
