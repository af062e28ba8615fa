import * as z from 'zod';
import { DEFAULT_TIMEOUT_MS, dnsNameSchema, timeoutMsSchema } from './strategy-fields.ts';

export const dnsRecordTypes = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SOA', 'SRV', 'CAA', 'PTR'] as const;

// Schemas, not `z.regexes`: the agent's bundle then keeps only these two patterns of zod's.
const ipv4 = z.ipv4();
const ipv6 = z.ipv6();

/**
 * A resolver address as `host` and `port`: `10.0.0.2`, `10.0.0.2:5353`, `fd00::2` or
 * `[fd00::2]:5353` (port 53 when not given); null for anything else (names are not accepted: the
 * resolver of a DNS check must not itself depend on DNS).
 */
export function parseResolverAddress(address: string): { host: string; port: number } | null {
  const match = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(address) ?? /^([\d.]+)(?::(\d{1,5}))?$/.exec(address) ?? [address, address];
  const host = match[1]!;
  const port = match[2] === undefined ? 53 : Number(match[2]);
  const valid = host.includes(':') ? ipv6.safeParse(host).success : ipv4.safeParse(host).success && !address.startsWith('[');
  return valid && port >= 1 && port <= 65_535 ? { host, port } : null;
}

/**
 * A DNS query of `name` for records of `recordType`, asked of `resolver` (default: the satellite's
 * resolvers, from /etc/resolv.conf; /etc/hosts is not read). Up when the answer has at least one
 * record and, with `expectedAnswers`, when they match: `contains` (default) — every expected answer
 * is among the records (others may be there too); `exact` — the records are exactly the expected
 * ones, in any order. Answers are written as the agent reports them (docs/PROTOCOL.md, "DNS
 * answers"): names lower-case without the final dot, `10 mail.example.com` for MX.
 */
export const dnsStrategySchema = z
  .object({
    kind: z.literal('dns'),
    name: dnsNameSchema,
    recordType: z.enum(dnsRecordTypes).default('A'),
    resolver: z
      .string()
      .max(64)
      .refine((address) => parseResolverAddress(address) !== null, 'an IP address, optionally with a port (10.0.0.2, 10.0.0.2:5353, fd00::2, [fd00::2]:53)')
      .optional(),
    expectedAnswers: z.array(z.string().min(1).max(500)).min(1).max(32).optional(),
    match: z.enum(['contains', 'exact']).default('contains'),
    timeoutMs: timeoutMsSchema.default(DEFAULT_TIMEOUT_MS),
  })
  .strict();
export type DnsStrategy = z.infer<typeof dnsStrategySchema>;
