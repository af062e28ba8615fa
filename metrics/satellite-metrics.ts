import { Gauge, type Registry } from 'prom-client';
// The file, not gateway/index.ts: a value from the index would load the uWS native addon.
import { resultRefusalReasons, type ResultRefusalReason, type SatelliteTraffic } from '../gateway/satellite-traffic.ts';
import { TallyCounter, type Tally } from './tally-counter.ts';

/**
 * Satellites: `vigil_satellites_connected` (sockets held by this node, read at scrape time),
 * `vigil_satellite_results_ingested_total` (committed into health),
 * `vigil_satellite_results_refused_total{reason}` (one series per reason of
 * `resultRefusalReasons`, all present from the start). The ingest path pays a field increment.
 */
export function satelliteMetrics(registry: Registry, connected: () => number): SatelliteTraffic {
  new Gauge({
    name: 'vigil_satellites_connected',
    help: 'Satellites connected to this node now.',
    registers: [registry],
    collect() {
      this.set(connected());
    },
  });
  const ingested = new TallyCounter(registry, { name: 'vigil_satellite_results_ingested_total', help: 'Satellite results committed into their system health by this node.' }).tally();
  const refusedCounter = new TallyCounter(registry, { name: 'vigil_satellite_results_refused_total', help: 'Satellite results not ingested, by reason (refusal code, or dropped unacknowledged: BACKLOG_FULL, EARLY_OVERFLOW, COMMIT_FAILED, HISTORY_FAILED).', labelNames: ['reason'] });
  const refused = Object.fromEntries(resultRefusalReasons.map((reason) => [reason, refusedCounter.tally(reason)])) as Record<ResultRefusalReason, Tally>;
  return {
    resultsIngested: (count) => void (ingested.count += count),
    resultRefused: (reason) => void refused[reason].count++,
  };
}
