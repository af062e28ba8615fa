import { describe, expect, it } from 'vitest';
import { AddressAllowList, addressRangeSchema } from './address-allow-list.ts';

describe('AddressAllowList', () => {
  it('matches addresses and CIDR ranges, IPv4 also in its IPv4-mapped IPv6 forms', () => {
    const list = new AddressAllowList(['127.0.0.1/32', '10.0.0.0/8', '::1', 'fd00::/8']);
    expect(list.allows('127.0.0.1')).toBe(true);
    expect(list.allows('127.0.0.2')).toBe(false);
    expect(list.allows('10.200.3.4')).toBe(true);
    expect(list.allows('11.0.0.1')).toBe(false);
    expect(list.allows('::ffff:10.1.2.3')).toBe(true);
    expect(list.allows('0000:0000:0000:0000:0000:ffff:7f00:0001')).toBe(true);
    expect(list.allows('0000:0000:0000:0000:0000:0000:0000:0001')).toBe(true);
    expect(list.allows('fd12::5')).toBe(true);
    expect(list.allows('fe80::1')).toBe(false);
    expect(list.allows('')).toBe(false);
    expect(list.allows('not an address')).toBe(false);
  });

  it('allows nobody when empty', () => {
    const list = new AddressAllowList([]);
    expect(list.isEmpty).toBe(true);
    expect(list.allows('127.0.0.1')).toBe(false);
  });

  it('refuses entries that are not addresses or ranges', () => {
    for (const bad of ['', 'localhost', '10.0.0.0/33', '::1/129', '10.0.0.0/8/1', '10.0.0.0/x', '300.0.0.1']) {
      expect(addressRangeSchema.safeParse(bad).success, bad).toBe(false);
    }
    for (const good of ['10.0.0.0/8', ' 127.0.0.1/32 ', '::1', '::/0', '0.0.0.0/0']) expect(addressRangeSchema.safeParse(good).success, good).toBe(true);
  });
});
