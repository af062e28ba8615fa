import * as z from 'zod';
import { DEFAULT_TIMEOUT_MS, hostSchema, portSchema, timeoutMsSchema } from './strategy-fields.ts';

/** A TCP connect to `host:port` (then closed): up when the connection opens within `timeoutMs`. */
export const tcpStrategySchema = z
  .object({
    kind: z.literal('tcp'),
    host: hostSchema,
    port: portSchema,
    timeoutMs: timeoutMsSchema.default(DEFAULT_TIMEOUT_MS),
  })
  .strict();
export type TcpStrategy = z.infer<typeof tcpStrategySchema>;
