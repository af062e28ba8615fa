import * as z from 'zod';
import { durationMs } from './duration.ts';

/** How a satellite runs a check: an HTTP request or a TCP connect. Shared by the check entity and the satellite protocol. */
export const httpStrategySchema = z.object({
  kind: z.literal('http'),
  url: z.string().url().max(2000).refine((url) => /^https?:\/\//.test(url), 'http or https URL'),
  method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
  expectedStatus: z.number().int().min(100).max(599).default(200),
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
});
export const tcpStrategySchema = z.object({
  kind: z.literal('tcp'),
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65_535),
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
});
export const checkStrategySchema = z.discriminatedUnion('kind', [httpStrategySchema, tcpStrategySchema]);
export type CheckStrategy = z.infer<typeof checkStrategySchema>;

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
