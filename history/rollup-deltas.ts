import { dayStartOf, hourStartOf, type CheckResultRow, type RollupDelta } from '../persistence/index.ts';
import { addLatency } from './latency-histogram.ts';

/**
 * What the inserted `rows` add to the roll-ups: per check and per system, per hour and per UTC
 * day, the results, the failures and the latency sketch of the successes (a failure's latency
 * is how long it took to fail — a timeout, a refused connection — not a response time, so it
 * stays out of the percentiles). Pure.
 */
export function rollupDeltas(rows: readonly CheckResultRow[]): RollupDelta[] {
  const deltas = new Map<string, RollupDelta>();
  const add = (subject: RollupDelta['subject'], id: string, grain: RollupDelta['grain'], bucketStart: number, row: CheckResultRow) => {
    const key = `${subject}\u0000${id}\u0000${grain}\u0000${bucketStart}`;
    let delta = deltas.get(key);
    if (!delta) deltas.set(key, (delta = { subject, id, grain, bucketStart, results: 0, failures: 0, histogram: null }));
    delta.results++;
    if (!row.success) delta.failures++;
    else if (row.latencyMs !== null) addLatency((delta.histogram ??= { offset: 0, counts: [] }), row.latencyMs);
  };
  for (const row of rows) {
    const hour = hourStartOf(row.executedAt);
    const day = dayStartOf(row.executedAt);
    add('check', row.checkId, 'hour', hour, row);
    add('check', row.checkId, 'day', day, row);
    add('system', row.systemId, 'hour', hour, row);
    add('system', row.systemId, 'day', day, row);
  }
  return [...deltas.values()];
}
