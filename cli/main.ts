import { parseArgs } from 'node:util';
import { Database } from '../persistence/index.ts';
import { ConfigError, createLogger, EmbeddedNatsError, loadConfig, startNode } from '../node/index.ts';
import { formatClusterStatus, readClusterStatus } from './cluster-status.ts';
import { satelliteCommand } from './satellite-commands.ts';

const usage = `usage: vigil <command> [--config file.json]

commands:
  start     start a node (embedded PGlite and nats-server when DATABASE_URL / NATS_URL are not set)
  migrate   apply pending database migrations and exit
  status    show the cluster: nodes and their partitions, outbox backlog, consumer lag, parked
            messages (--json for machines)
  satellite add <id> --name <name> --region <region>   register a satellite, print its token (once)
  satellite rotate-token <id> | remove <id> | list [--json]

configuration: environment variables (DATABASE_URL, NATS_URL, VIGIL_NODE_ID, VIGIL_HTTP_PORT, ...)
and an optional JSON file (VIGIL_CONFIG or --config); see README.md.`;

/** Entry point of the `vigil` command. Exit codes: 0 ok, 1 runtime failure, 2 bad usage or config. */
export async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      json: { type: 'boolean' },
      name: { type: 'string' },
      region: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    console.log(usage);
    return command || values.help ? 0 : 2;
  }
  let config;
  try {
    config = loadConfig(process.env, values.config ?? process.env.VIGIL_CONFIG);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`vigil: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const log = createLogger(config.nodeId, config.logLevel);

  switch (command) {
    case 'migrate': {
      const database = await Database.open({ url: config.databaseUrl, dataDir: config.dataDir });
      try {
        const applied = await database.migrate();
        log.info({ applied }, applied.length > 0 ? 'migrations applied' : 'database is up to date');
        return 0;
      } finally {
        await database.close();
      }
    }
    case 'start': {
      let node;
      let fatal: ((reason: string) => void) | undefined;
      try {
        node = await startNode(config, log, (reason) => fatal?.(reason));
      } catch (error) {
        if (error instanceof EmbeddedNatsError) {
          console.error(`vigil: ${error.message}`);
          return 2;
        }
        log.fatal({ err: error }, 'node failed to start');
        return 1;
      }
      const exitCode = await new Promise<number>((resolve) => {
        const shutdown = (signal: string) => {
          log.info({ signal }, 'shutdown requested');
          void node.stop().then(() => resolve(0));
        };
        fatal = () => void node.stop().then(() => resolve(2));
        process.once('SIGTERM', () => shutdown('SIGTERM'));
        process.once('SIGINT', () => shutdown('SIGINT'));
      });
      return exitCode;
    }
    case 'satellite':
      return satelliteCommand(config, positionals.slice(1), { name: values.name, region: values.region, json: values.json });
    case 'status': {
      const status = await readClusterStatus(config);
      console.log(values.json ? JSON.stringify(status, null, 2) : formatClusterStatus(status));
      return 0;
    }
    default:
      console.error(`vigil: unknown command "${command}"\n\n${usage}`);
      return 2;
  }
}
