import { dayStartOf, hourStartOf, type CheckResultRow, type RollupDelta, type RollupFolds } from '../persistence/index.ts';
import { addLatency } from './latency-histogram.ts';

/**
 * What the inserted `rows` add to the roll-ups: the results, the failures and the latency sketch
 * of the successes (a failure's latency is how long it took to fail — a timeout, a refused
 * connection — not a response time, so it stays out of the percentiles). Every row adds to its
 * check's hour. The other roll-ups (check's day, system's hour and day) are folded from those once
 * their bucket has ended (persistence/check-history-folds.ts): a row adds to them directly only
 * when its bucket is already folded (`folds`), i.e. it arrived late. Pure.
 */
export function rollupDeltas(rows: readonly CheckResultRow[], folds: RollupFolds): RollupDelta[] {
  const deltas = new Map<string, RollupDelta>();
  const add = (subject: RollupDelta['subject'], id: string, grain: RollupDelta['grain'], bucketStart: number, row: CheckResultRow) => {
    const key = `${subject}\u0000${id}\u0000${grain}\u0000${bucketStart}`;
    let delta = deltas.get(key);
    if (!delta) deltas.set(key, (delta = { subject, id, grain, bucketStart, results: 0, failures: 0, histogram: null, systemId: subject === 'check' ? row.systemId : undefined }));
    delta.results++;
    if (!row.success) delta.failures++;
    else if (row.latencyMs !== null) addLatency((delta.histogram ??= { offset: 0, counts: [] }), row.latencyMs);
  };
  for (const row of rows) {
    const hour = hourStartOf(row.executedAt);
    const day = dayStartOf(row.executedAt);
    add('check', row.checkId, 'hour', hour, row);
    if (hour < folds.hours) add('system', row.systemId, 'hour', hour, row);
    if (day < folds.days) {
      add('check', row.checkId, 'day', day, row);
      add('system', row.systemId, 'day', day, row);
    }
  }
  return [...deltas.values()];
}
