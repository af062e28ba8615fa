import { describe, expect, it } from 'vitest';
import { cachedRead } from './scrape-cache.ts';

describe('cachedRead', () => {
  it('reads at most once per period, sharing the result (and a failure) with every caller meanwhile', async () => {
    let now = 0;
    let reads = 0;
    let fail = false;
    const read = cachedRead(5_000, async () => {
      reads++;
      if (fail) throw new Error('NATS away');
      return reads;
    }, () => now);
    expect(await Promise.all([read(), read(), read()])).toEqual([1, 1, 1]);
    now = 4_999;
    expect(await read()).toBe(1);
    now = 5_000;
    fail = true;
    await expect(read()).rejects.toThrow('NATS away');
    now = 9_000;
    await expect(read()).rejects.toThrow('NATS away');
    expect(reads).toBe(2);
    now = 10_000;
    fail = false;
    expect(await read()).toBe(3);
  });

  it('turns a read that throws synchronously into a rejection', async () => {
    const read = cachedRead(1_000, () => {
      throw new Error('sync');
    });
    await expect(read()).rejects.toThrow('sync');
  });
});
