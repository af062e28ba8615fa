import { z } from 'zod';
import { SatelliteAgent } from './agent.ts';

/**
 * `vigil-satellite`: the agent program. Configuration from the environment:
 * VIGIL_SATELLITE_TOKEN (required), VIGIL_GATEWAYS (comma-separated `ws://host:port`, required),
 * VIGIL_SATELLITE_HEARTBEAT_MS (default 15000), VIGIL_SATELLITE_MAX_BUFFERED_RESULTS (default 1000),
 * VIGIL_SATELLITE_ACK_TIMEOUT_MS (default 30000: a sent result not acknowledged within it is sent again).
 */
const configSchema = z.object({
  token: z.string().regex(/^[A-Za-z0-9_\-:@]{1,128}\.[A-Za-z0-9_-]{20,200}$/, 'expected <satelliteId>.<secret> as printed by `vigil satellite add`'),
  gateways: z.array(z.string().regex(/^wss?:\/\//, 'ws:// or wss:// URL')).min(1),
  heartbeatMs: z.coerce.number().int().min(1_000).default(15_000),
  maxBufferedResults: z.coerce.number().int().min(0).default(1_000),
  ackTimeoutMs: z.coerce.number().int().min(1_000).default(30_000),
});

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = configSchema.safeParse({
    token: env.VIGIL_SATELLITE_TOKEN,
    gateways: (env.VIGIL_GATEWAYS ?? '').split(',').map((url) => url.trim()).filter(Boolean),
    heartbeatMs: env.VIGIL_SATELLITE_HEARTBEAT_MS || undefined,
    maxBufferedResults: env.VIGIL_SATELLITE_MAX_BUFFERED_RESULTS || undefined,
    ackTimeoutMs: env.VIGIL_SATELLITE_ACK_TIMEOUT_MS || undefined,
  });
  if (!parsed.success) {
    console.error(`vigil-satellite: invalid configuration:\n  - ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('\n  - ')}`);
    return 2;
  }
  const agent = new SatelliteAgent({
    ...parsed.data,
    agentVersion: '0.1.0',
    log: (level, message, fields) => console.log(JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...fields })),
  });
  agent.start();
  await new Promise<void>((resolve) => {
    const stop = () => void agent.stop().then(resolve);
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}
