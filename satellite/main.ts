import { ActivitySummary } from './activity-summary.ts';
import { SatelliteAgent } from './agent.ts';
import { readConfig } from './config.ts';
import { createJsonLogger } from './logger.ts';
import { usage } from './settings.ts';
import { AGENT_VERSION } from './version.ts';

/**
 * `vigil-satellite`: the agent program (every setting in settings.ts and docs/SATELLITE.md).
 * Resolves the exit code: 0 stopped by SIGTERM or SIGINT (or `--help`, `--version`), 2 invalid
 * configuration (one line per problem, naming its variable or flag), 3 the token was refused
 * `maxAuthFailures` times in a row.
 */
export async function main(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const reading = readConfig(argv, env);
  if (reading.kind === 'help') {
    process.stdout.write(usage(AGENT_VERSION));
    return 0;
  }
  if (reading.kind === 'version') {
    process.stdout.write(`${AGENT_VERSION}\n`);
    return 0;
  }
  if (reading.kind === 'invalid') {
    console.error(`vigil-satellite: invalid configuration:\n  - ${reading.problems.join('\n  - ')}`);
    return 2;
  }
  const { token, logLevel, summaryIntervalMs, ...settings } = reading.config;
  const log = createJsonLogger(logLevel);
  // The satellite id is the token's public half; the secret after the dot is never logged.
  log('info', 'starting', { version: AGENT_VERSION, satelliteId: token.slice(0, token.indexOf('.')), ...settings, logLevel, summaryIntervalMs });
  return new Promise<number>((resolve) => {
    const agent = new SatelliteAgent({
      ...settings,
      token,
      agentVersion: AGENT_VERSION,
      log,
      onFatal: (message) => {
        clearInterval(summaryTimer);
        // In the log stream for collectors, and as one plain sentence on stderr for whoever runs it.
        log('error', 'exiting: the token was refused', { reason: message, exitCode: 3 });
        console.error(`vigil-satellite: ${message}`);
        resolve(3);
      },
    });
    const summary = new ActivitySummary(() => agent.stats);
    const summaryTimer = summaryIntervalMs > 0 ? setInterval(() => log('info', 'summary', { ...summary.next() }), summaryIntervalMs) : undefined;
    agent.start();
    const stop = () => {
      clearInterval(summaryTimer);
      void agent.stop().then(() => resolve(0));
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
