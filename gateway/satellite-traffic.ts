import { resultRefusalCodeSchema } from '../protocol/satellite-protocol.ts';

/**
 * Why a result was not ingested: a refusal sent back in `results_refused` (the protocol's codes),
 * or dropped unacknowledged, so the satellite sends it again — `BACKLOG_FULL` (the node's pending
 * results are over their bound), `EARLY_OVERFLOW` (more than 256 results arrived while the
 * connection's assignments were loading), `COMMIT_FAILED` (its health batch failed every attempt),
 * `HISTORY_FAILED` (its health batch committed but storing it in the check history failed).
 */
export const resultRefusalReasons = [...resultRefusalCodeSchema.options, 'BACKLOG_FULL', 'EARLY_OVERFLOW', 'COMMIT_FAILED', 'HISTORY_FAILED'] as const;
export type ResultRefusalReason = (typeof resultRefusalReasons)[number];

/**
 * Counts satellite results without the gateway knowing how (metrics/satellite-metrics.ts). Called
 * on the ingest path (~10k results/s per node): implementations must only bump a number.
 */
export interface SatelliteTraffic {
  /** `count` results were committed into their system's health (or found to be duplicates there). */
  resultsIngested(count: number): void;
  /** One result was not ingested, for `reason`. */
  resultRefused(reason: ResultRefusalReason): void;
}
