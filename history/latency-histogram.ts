/**
 * The latency sketch of the check history's roll-ups: a histogram over fixed logarithmic buckets,
 * mergeable by adding counts bucket by bucket (the same in JavaScript and in SQL,
 * `vigil_histogram_add`), so roll-ups of hours add up to days, checks to systems, exactly.
 *
 * Bucket 0 holds latencies up to 1 ms; bucket i ≥ 1 holds (γ^(i-1), γ^i] ms, with
 * γ = (1 + α) / (1 − α) and α = 5 %. A percentile is read as the estimate 2γ^i / (γ + 1) of the
 * bucket that holds the exact nearest-rank percentile (the value at rank ⌈q·n⌉ of the sorted
 * latencies), so for latencies above 1 ms it is within ±5 % of the exact value (DDSketch's bound,
 * Masson et al. 2019); at or below 1 ms it reads 1 ms (absolute error < 1 ms). Latencies are
 * capped at 3,600,000 ms (the protocol's limit): 152 buckets at most. Only the range between the
 * lowest and highest bucket in use is stored, so a check whose latencies stay within a factor of
 * 2 needs about 8 counts.
 */

/** The stated relative error of a percentile read from the sketch (latencies above 1 ms). */
export const LATENCY_RELATIVE_ERROR = 0.05;
const GAMMA = (1 + LATENCY_RELATIVE_ERROR) / (1 - LATENCY_RELATIVE_ERROR);
const LOG_GAMMA = Math.log(GAMMA);
/** Latencies above this are counted as this (the protocol's largest latency), ms. */
export const MAX_LATENCY_MS = 3_600_000;
/** The highest bucket index (that of MAX_LATENCY_MS). */
export const MAX_BUCKET = Math.ceil(Math.log(MAX_LATENCY_MS) / LOG_GAMMA);

/**
 * Counts of consecutive buckets: `counts[j]` is the number of latencies in bucket `offset + j`.
 * Stored in PostgreSQL as an `integer[]` whose lower bound is `offset` (`'[40:42]={1,5,2}'`).
 */
export interface LatencyHistogram {
  offset: number;
  counts: number[];
}

/** The bucket a latency (ms) falls in. */
export function bucketOf(latencyMs: number): number {
  if (!(latencyMs > 1)) return 0;
  if (latencyMs >= MAX_LATENCY_MS) return MAX_BUCKET;
  return Math.min(MAX_BUCKET, Math.ceil(Math.log(latencyMs) / LOG_GAMMA));
}

/** What a bucket reads as, ms: within α of every latency in it (bucket 0: 1 ms). */
export function estimateOf(bucket: number): number {
  if (bucket <= 0) return 1;
  return (2 * GAMMA ** bucket) / (GAMMA + 1);
}

/** An empty histogram (no latency). */
export function emptyHistogram(): LatencyHistogram {
  return { offset: 0, counts: [] };
}

/** Adds `count` latencies of `bucket` into `into` (mutated), growing its range as needed. */
export function addBucket(into: LatencyHistogram, bucket: number, count = 1): void {
  if (into.counts.length === 0) {
    into.offset = bucket;
    into.counts.push(count);
    return;
  }
  if (bucket < into.offset) {
    into.counts.unshift(...new Array<number>(into.offset - bucket).fill(0));
    into.offset = bucket;
  }
  const index = bucket - into.offset;
  while (into.counts.length <= index) into.counts.push(0);
  into.counts[index]! += count;
}

/** Adds a latency (ms) into `into` (mutated). */
export function addLatency(into: LatencyHistogram, latencyMs: number): void {
  addBucket(into, bucketOf(latencyMs));
}

/** Adds every count of `from` into `into` (mutated): the merge of two sketches. */
export function mergeHistogram(into: LatencyHistogram, from: LatencyHistogram): void {
  for (let index = 0; index < from.counts.length; index++) {
    const count = from.counts[index]!;
    if (count !== 0) addBucket(into, from.offset + index, count);
  }
}

/** Latencies counted. */
export function histogramCount(histogram: LatencyHistogram): number {
  let total = 0;
  for (const count of histogram.counts) total += count;
  return total;
}

/**
 * The nearest-rank `q`-quantile (0 < q ≤ 1), as its bucket's estimate; null when the histogram is
 * empty. Within ±α of the exact nearest-rank percentile for latencies above 1 ms.
 */
export function percentile(histogram: LatencyHistogram, q: number): number | null {
  const total = histogramCount(histogram);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let index = 0; index < histogram.counts.length; index++) {
    seen += histogram.counts[index]!;
    if (seen >= rank) return estimateOf(histogram.offset + index);
  }
  return estimateOf(histogram.offset + histogram.counts.length - 1);
}
