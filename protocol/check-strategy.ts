import * as z from 'zod';
import { durationMs } from './duration.ts';
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

/** Longest period or grace of a push monitor: 35 days (a monthly job, with room). */
const MAX_PUSH_MS = 35 * 86_400_000;
/**
 * A push (heartbeat) monitor: no satellite runs it; a job pings `POST /push/<token>` and a ping
 * missing for `periodMs + graceMs` is a failure (see docs/PROTOCOL.md, "Push monitors").
 */
export const pushStrategySchema = z.object({
  kind: z.literal('push'),
  /** How often the job is expected to ping: ms or a duration ("5m", "1d"). */
  periodMs: durationMs({ min: 1_000, max: MAX_PUSH_MS }),
  /** How late a ping may be before it counts as missed, ms (jobs take time and clocks drift). */
  graceMs: durationMs({ min: 0, max: MAX_PUSH_MS }).default(60_000),
});
export type PushStrategy = z.infer<typeof pushStrategySchema>;

/**
 * What a check entity holds: a strategy satellites run (`checkStrategySchema`, what assignments
 * carry) or a push monitor, which is never assigned to a satellite.
 */
export const checkEntityStrategySchema = z.discriminatedUnion('kind', [...checkStrategySchema.options, pushStrategySchema]);
export type CheckEntityStrategy = z.infer<typeof checkEntityStrategySchema>;

/** One check a satellite must run, as sent in `authenticated` and `assignments_updated`. */
export const assignmentSchema = z.object({
  checkId: z.string(),
  systemId: z.string(),
  strategy: checkStrategySchema,
  intervalMs: z.number().int().positive(),
});
export type Assignment = z.infer<typeof assignmentSchema>;
