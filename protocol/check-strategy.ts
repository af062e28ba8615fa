import * as z from 'zod';
import { dnsStrategySchema } from './dns-strategy.ts';
import { httpStrategySchema } from './http-strategy.ts';
import { tcpStrategySchema } from './tcp-strategy.ts';
import { tlsStrategySchema } from './tls-strategy.ts';

export { dnsStrategySchema, dnsRecordTypes, parseResolverAddress, type DnsStrategy } from './dns-strategy.ts';
export { httpMethods, httpStrategySchema, MAX_BODY_BYTES, type HttpStrategy } from './http-strategy.ts';
export { tcpStrategySchema, type TcpStrategy } from './tcp-strategy.ts';
export { tlsStrategySchema, type TlsStrategy } from './tls-strategy.ts';

/**
 * How a check is run, one schema per `kind` (each in its own file here): `http` (a request, with
 * assertions on status, body, JSON, time and certificate), `tcp` (a connect), `dns` (a query and
 * its answers), `tls` (a certificate's validity and expiry). Shared by the check entity and the
 * satellite protocol. Every field is bounded; unknown fields are refused (a misspelt assertion
 * must not pass silently). A new kind is one more schema in this list; an agent that does not
 * know a kind reports its checks as `check_error` instead of running them.
 */
export const checkStrategySchema = z.discriminatedUnion('kind', [httpStrategySchema, tcpStrategySchema, dnsStrategySchema, tlsStrategySchema]);
export type CheckStrategy = z.infer<typeof checkStrategySchema>;
export type CheckKind = CheckStrategy['kind'];

/** One check a satellite must run, as sent in `authenticated` and `assignments_updated`. */
export const assignmentSchema = z.object({
  checkId: z.string(),
  systemId: z.string(),
  strategy: checkStrategySchema,
  intervalMs: z.number().int().positive(),
});
export type Assignment = z.infer<typeof assignmentSchema>;
