import { Histogram, type Registry } from 'prom-client';
import type { PendingCommit } from '../persistence/index.ts';
import { TallyCounter } from './tally-counter.ts';

/** Seconds: a lone commit takes ~1 ms here; batches under load tens of ms. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Transitions per transaction: 1 at low load, up to the batcher's 500 at high load. */
const SIZE_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500];

/**
 * The group commit (actors/commit-batcher.ts): one observation per transaction.
 * `vigil_commit_batch_transitions` — transitions written per transaction;
 * `vigil_commit_duration_seconds` — how long each transaction took (`_count`: transactions);
 * `vigil_transitions_committed_total`; `vigil_commit_failures_total` — transactions that failed.
 */
export function commitMetrics(registry: Registry) {
  const size = new Histogram({ name: 'vigil_commit_batch_transitions', help: 'Entity transitions written per committed transaction (group commit batch size).', buckets: SIZE_BUCKETS, registers: [registry] });
  const duration = new Histogram({ name: 'vigil_commit_duration_seconds', help: 'Duration of each committed transaction (state, transition and outbox rows), seconds.', buckets: DURATION_BUCKETS, registers: [registry] });
  const transitions = new TallyCounter(registry, { name: 'vigil_transitions_committed_total', help: 'Entity transitions committed by this node.' }).tally();
  const failures = new TallyCounter(registry, { name: 'vigil_commit_failures_total', help: 'Commit transactions that failed (database error; nothing or, for an unknown outcome, everything was written).' }).tally();
  return {
    committed(committed: readonly PendingCommit[], seconds: number): void {
      let count = 0;
      for (const item of committed) count += item.transitions.length;
      size.observe(count);
      duration.observe(seconds);
      transitions.count += count;
    },
    /** A failed transaction's duration is not observed: it would blur the latency of the ones that commit. */
    failed(): void {
      failures.count++;
    },
  };
}
