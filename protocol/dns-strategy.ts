import * as z from 'zod';
import { DEFAULT_TIMEOUT_MS, dnsNameSchema, timeoutMsSchema } from './strategy-fields.ts';

export const dnsRecordTypes = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SOA', 'SRV', 'CAA', 'PTR'] as const;

const unanchored = (pattern: RegExp) => pattern.source.replace(/^\^|\$$/g, '');
const ipv4 = new RegExp(`^(?<host>${unanchored(z.regexes.ipv4)})(?::(?<port>\\d{1,5}))?$`);
const ipv6 = new RegExp(`^(?<host>${unanchored(z.regexes.ipv6)})$`);
const bracketedIpv6 = new RegExp(`^\\[(?<host>${unanchored(z.regexes.ipv6)})\\](?::(?<port>\\d{1,5}))?$`);

/**
 * A resolver address as `host` and `port`: `10.0.0.2`, `10.0.0.2:5353`, `fd00::2` or
 * `[fd00::2]:5353` (port 53 when not given); null for anything else (names are not accepted: the
 * resolver of a DNS check must not itself depend on DNS).
 */
export function parseResolverAddress(address: string): { host: string; port: number } | null {
  const groups = (ipv4.exec(address) ?? bracketedIpv6.exec(address) ?? ipv6.exec(address))?.groups;
  if (!groups) return null;
  const port = groups.port === undefined ? 53 : Number(groups.port);
  return port >= 1 && port <= 65_535 ? { host: groups.host!, port } : null;
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
