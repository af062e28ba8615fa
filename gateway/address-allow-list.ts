import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

/**
 * One entry of an address allow list: an IPv4 or IPv6 address (`127.0.0.1`, `::1`) or a CIDR
 * range (`10.0.0.0/8`, `fd00::/8`).
 */
export const addressRangeSchema = z.string().trim().refine((text) => parseRange(text) !== undefined, {
  message: 'expected an IP address or a CIDR range (e.g. 127.0.0.1/32, 10.0.0.0/8, ::1/128)',
});

function parseRange(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', prefixText, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  const version = isIP(address);
  if (version === 0) return undefined;
  const bits = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * Addresses allowed to do something without a token (`VIGIL_METRICS_ALLOW`). An IPv4 range also
 * matches the IPv4-mapped IPv6 form of its addresses (`::ffff:10.1.2.3`, what a dual-stack
 * socket reports). Empty: allows nobody.
 */
export class AddressAllowList {
  private readonly list = new BlockList();
  readonly ranges: readonly string[];

  /** Throws on an entry `addressRangeSchema` refuses (validate configuration with it first). */
  constructor(ranges: readonly string[]) {
    this.ranges = ranges.map((range) => range.trim());
    for (const range of this.ranges) {
      const parsed = parseRange(range);
      if (!parsed) throw new Error(`not an IP address or CIDR range: ${range}`);
      this.list.addSubnet(parsed.address, parsed.prefix, parsed.family);
    }
  }

  get isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  /** Whether `address` (as text, IPv4 or IPv6 in any notation) is in one of the ranges; false for anything unparsable. */
  allows(address: string): boolean {
    if (this.ranges.length === 0) return false;
    const version = isIP(address);
    if (version === 0) return false;
    return this.list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  }
}
