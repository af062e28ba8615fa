import { DAY_MS, dayStartOf, hourStartOf, HOUR_MS, type CheckHistoryQueries, type RollupRow } from '../persistence/index.ts';
import { emptyHistogram, mergeHistogram, percentile } from './latency-histogram.ts';

/** Results, failures, uptime and latency percentiles over some buckets of roll-ups. */
export interface HistorySummary {
  results: number;
  failures: number;
  /** Successes / results × 100; null without results. */
  uptime: number | null;
  /** Latency percentiles of the successes, ms (within the sketch's ±5 %); null without any. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** The windows `uptime` answers, each made of whole roll-up buckets ending with the current one. */
export const UPTIME_WINDOWS = [
  { window: '24h', grain: 'hour', buckets: 24 },
  { window: '7d', grain: 'day', buckets: 7 },
  { window: '30d', grain: 'day', buckets: 30 },
  { window: '90d', grain: 'day', buckets: 90 },
] as const;
export type UptimeWindowName = (typeof UPTIME_WINDOWS)[number]['window'];

export interface UptimeWindow extends HistorySummary {
  window: UptimeWindowName;
  /** Start of the window's first bucket (epoch ms); the window runs to now. */
  since: number;
}

export interface SeriesPoint extends HistorySummary {
  /** Start of the bucket, epoch ms. */
  at: number;
}

/**
 * Summaries of the check history for the API, from the roll-ups only (never the raw results):
 * a few dozen rows per answer whatever the number of results behind them.
 */
export class CheckHistoryReader {
  constructor(
    private readonly queries: CheckHistoryQueries,
    /** Epoch ms on the cluster's clock. */
    private readonly clock: () => number,
  ) {}

  /**
   * Uptime and latency of a check or system over the last 24 hours (the current hour and the 23
   * before, from hourly roll-ups) and the last 7, 30 and 90 days (today, UTC, and the days
   * before, from daily roll-ups). Two queries. Rejects with `PersistenceError`.
   */
  async uptime(subject: 'check' | 'system', id: string): Promise<UptimeWindow[]> {
    const now = this.clock();
    const hourly = hourStartOf(now) - 23 * HOUR_MS;
    const daily = dayStartOf(now) - 89 * DAY_MS;
    const [hours, days] = await Promise.all([this.queries.rollups(subject, id, 'hour', hourly, now + 1), this.queries.rollups(subject, id, 'day', daily, now + 1)]);
    return UPTIME_WINDOWS.map(({ window, grain, buckets }) => {
      const since = grain === 'hour' ? hourStartOf(now) - (buckets - 1) * HOUR_MS : dayStartOf(now) - (buckets - 1) * DAY_MS;
      return { window, since, ...summarize((grain === 'hour' ? hours : days).filter((row) => row.bucketStart >= since)) };
    });
  }

  /** One point per hour or UTC day with results, from the bucket holding `since` to the one holding `until`, oldest first. Rejects with `PersistenceError`. */
  async series(subject: 'check' | 'system', id: string, grain: 'hour' | 'day', since: number, until: number): Promise<SeriesPoint[]> {
    // The bucket `since` falls in counts whole.
    const from = grain === 'hour' ? hourStartOf(since) : dayStartOf(since);
    const rows = await this.queries.rollups(subject, id, grain, from, until + 1);
    // A bucket's shards come one after another (ordered by bucket).
    const points: SeriesPoint[] = [];
    for (let start = 0; start < rows.length; ) {
      let end = start + 1;
      while (end < rows.length && rows[end]!.bucketStart === rows[start]!.bucketStart) end++;
      points.push({ at: rows[start]!.bucketStart, ...summarize(rows.slice(start, end)) });
      start = end;
    }
    return points;
  }
}

/** Adds roll-up rows up (counts, and sketches bucket by bucket): a bucket's shards, or many buckets. */
export function summarize(rows: readonly RollupRow[]): HistorySummary {
  let results = 0;
  let failures = 0;
  const latency = emptyHistogram();
  for (const row of rows) {
    results += row.results;
    failures += row.failures;
    if (row.histogram) mergeHistogram(latency, row.histogram);
  }
  return {
    results,
    failures,
    uptime: results === 0 ? null : (100 * (results - failures)) / results,
    p50: percentile(latency, 0.5),
    p95: percentile(latency, 0.95),
    p99: percentile(latency, 0.99),
  };
}
