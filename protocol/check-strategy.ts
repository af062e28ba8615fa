import * as z from 'zod';

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

/** One check a satellite must run, as sent in `authenticated` and `assignments_updated`. */
export const assignmentSchema = z.object({
  checkId: z.string(),
  systemId: z.string(),
  strategy: checkStrategySchema,
  intervalMs: z.number().int().positive(),
});
export type Assignment = z.infer<typeof assignmentSchema>;
