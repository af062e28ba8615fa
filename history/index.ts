export { CheckHistoryWriter, shardBaseOf, type CheckHistoryRecord, type CheckHistoryWriterOptions, type RecordOutcome } from './check-history-writer.ts';
export { CheckHistoryMaintenance, type CheckHistoryMaintenanceOptions, type HistoryRetention, type MaintenanceReport } from './check-history-maintenance.ts';
export { CheckHistoryReader, summarize, UPTIME_WINDOWS, type HistorySummary, type SeriesPoint, type UptimeWindow, type UptimeWindowName } from './check-history-reader.ts';
export { rollupDeltas } from './rollup-deltas.ts';
export {
  LATENCY_RELATIVE_ERROR,
  MAX_BUCKET,
  MAX_LATENCY_MS,
  addLatency,
  bucketOf,
  emptyHistogram,
  estimateOf,
  histogramCount,
  mergeHistogram,
  percentile,
  type LatencyHistogram,
} from './latency-histogram.ts';
