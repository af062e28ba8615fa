import { z } from 'zod';
import { SatelliteAgent } from './agent.ts';

/**
 * `vigil-satellite`: the agent program. Configuration from the environment:
 * VIGIL_SATELLITE_TOKEN (required), VIGIL_GATEWAYS (comma-separated `ws://host:port`, required),
 * VIGIL_SATELLITE_HEARTBEAT_MS (default 15000), VIGIL_SATELLITE_MAX_BUFFERED_RESULTS (default 1000),
 * VIGIL_SATELLITE_ACK_TIMEOUT_MS (default 30000: a sent result not acknowledged within it is sent again),
 * VIGIL_SATELLITE_MAX_AUTH_FAILURES (default 5: token refusals in a row after which the agent exits).
 * Exit codes: 0 stopped by a signal, 2 bad configuration, 3 the token was refused (see above).
 */
const configSchema = z.object({
  token: z.string().regex(/^[A-Za-z0-9_\-:@]{1,128}\.[A-Za-z0-9_-]{20,200}$/, 'expected <satelliteId>.<secret> as printed by `vigil satellite add`'),
  gateways: z.array(z.string().regex(/^wss?:\/\//, 'ws:// or wss:// URL')).min(1),
  heartbeatMs: z.coerce.number().int().min(1_000).default(15_000),
  maxBufferedResults: z.coerce.number().int().min(0).default(1_000),
  ackTimeoutMs: z.coerce.number().int().min(1_000).default(30_000),
  maxAuthFailures: z.coerce.number().int().min(1).max(1_000).default(5),
});

/** The environment variable of each setting, for error messages. */
const variables: Record<string, string> = {
  token: 'VIGIL_SATELLITE_TOKEN',
  gateways: 'VIGIL_GATEWAYS',
  heartbeatMs: 'VIGIL_SATELLITE_HEARTBEAT_MS',
  maxBufferedResults: 'VIGIL_SATELLITE_MAX_BUFFERED_RESULTS',
  ackTimeoutMs: 'VIGIL_SATELLITE_ACK_TIMEOUT_MS',
  maxAuthFailures: 'VIGIL_SATELLITE_MAX_AUTH_FAILURES',
};

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = configSchema.safeParse({
    token: env.VIGIL_SATELLITE_TOKEN,
    gateways: (env.VIGIL_GATEWAYS ?? '').split(',').map((url) => url.trim()).filter(Boolean),
    heartbeatMs: env.VIGIL_SATELLITE_HEARTBEAT_MS || undefined,
    maxBufferedResults: env.VIGIL_SATELLITE_MAX_BUFFERED_RESULTS || undefined,
    ackTimeoutMs: env.VIGIL_SATELLITE_ACK_TIMEOUT_MS || undefined,
    maxAuthFailures: env.VIGIL_SATELLITE_MAX_AUTH_FAILURES || undefined,
  });
  if (!parsed.success) {
    const describe = (issue: { path: PropertyKey[]; message: string }) => {
      const variable = variables[String(issue.path[0])] ?? String(issue.path[0]);
      return issue.path[0] === 'token' && env.VIGIL_SATELLITE_TOKEN === undefined ? `${variable} is not set (the token printed by \`vigil satellite add\`)` : `${variable}: ${issue.message}`;
    };
    console.error(`vigil-satellite: invalid configuration:\n  - ${parsed.error.issues.map(describe).join('\n  - ')}`);
    return 2;
  }
  const log = (level: string, message: string, fields?: Record<string, unknown>) => console.log(JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...fields }));
  return new Promise<number>((resolve) => {
    const agent = new SatelliteAgent({
      ...parsed.data,
      agentVersion: '0.1.0',
      log,
      onFatal: (message) => {
        console.error(`vigil-satellite: ${message}`);
        resolve(3);
      },
    });
    agent.start();
    const stop = () => void agent.stop().then(() => resolve(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
