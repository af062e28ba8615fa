import { describe, expect, it } from 'vitest';
import { addLatency, bucketOf, emptyHistogram, estimateOf, LATENCY_RELATIVE_ERROR, MAX_BUCKET, mergeHistogram, percentile } from './latency-histogram.ts';

describe('latency sketch', () => {
  it('reads every latency back within its relative error, up to the protocol limit', () => {
    for (let ms = 1.001; ms <= 3_600_000; ms *= 1.013) {
      expect(Math.abs(estimateOf(bucketOf(ms)) - ms) / ms, `${ms} ms`).toBeLessThanOrEqual(LATENCY_RELATIVE_ERROR + 1e-12);
    }
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(3_600_000)).toBe(MAX_BUCKET);
    expect(bucketOf(1e9)).toBe(MAX_BUCKET);
  });

  it('merges by adding counts, so merged percentiles equal those of all latencies together', () => {
    const a = emptyHistogram();
    const b = emptyHistogram();
    const all = emptyHistogram();
    const latencies = Array.from({ length: 2_000 }, (_, index) => 5 + ((index * 7919) % 997));
    latencies.forEach((ms, index) => {
      addLatency(index % 3 === 0 ? a : b, ms);
      addLatency(all, ms);
    });
    // b holds higher buckets only, then lower ones: the range grows both ways.
    addLatency(b, 2);
    addLatency(all, 2);
    mergeHistogram(a, b);
    expect(a).toEqual(all);
    const sorted = [...latencies, 2].sort((x, y) => x - y);
    for (const q of [0.5, 0.95, 0.99]) {
      const truth = sorted[Math.ceil(q * sorted.length) - 1]!;
      expect(Math.abs(percentile(a, q)! - truth) / truth).toBeLessThanOrEqual(LATENCY_RELATIVE_ERROR + 1e-4);
    }
    expect(percentile(emptyHistogram(), 0.5)).toBeNull();
  });
});
