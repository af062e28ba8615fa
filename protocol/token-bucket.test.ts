import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.ts';

describe('token bucket', () => {
  it('allows a burst, then the rate; forced takes put it in debt', () => {
    const bucket = new TokenBucket(10, 2, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([true, true, false]);
    expect(bucket.waitMs(0)).toBe(100);
    expect(bucket.take(100)).toBe(true);
    bucket.force(100);
    expect(bucket.waitMs(100)).toBe(200);
    expect(bucket.take(1_000)).toBe(true);
    expect(bucket.waitMs(1_000)).toBe(0); // refilled to the burst of 2, one taken
  });
});
