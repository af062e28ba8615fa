import { parseArgs } from 'node:util';
import { Database, DataFolderLockedError } from '../persistence/index.ts';
import { ConfigError, createLogger, EmbeddedNatsError, findLocalNode, formatReadyBanner, loadConfig, startNode, type ClusterStatus, type VigilConfig } from '../node/index.ts';
import { HttpListenError } from '../gateway/index.ts';
import { renderNatsAccounts } from '../bus/index.ts';
import { formatClusterStatus } from './cluster-status.ts';
import { NodeClient } from './node-client.ts';
import { tokenCommand } from './token-commands.ts';
import { fail } from './exit.ts';
import { satelliteCommand } from './satellite-commands.ts';
import { checkCommand } from './check-commands.ts';
import { applyCommand } from './apply-command.ts';
import { maintenanceCommand } from './maintenance-commands.ts';
import { automationCommand, catalogCommand, runsCommand } from './automation-commands.ts';
import { SetupFileError } from '../setup/setup-file.ts';

const usage = `usage: vigil <command> [--config file.json]

commands:
  start     start a node (embedded PGlite and nats-server when DATABASE_URL / NATS_URL are not set)
  migrate   apply pending database migrations and exit
  status    show the cluster: nodes and their partitions, outbox backlog, consumer lag, parked
            messages (--json for machines)
  token create --name <name> --role viewer|operator|admin [--expires 90d]   print a new API token (once)
  token list [--json] | revoke <name>                  API tokens (admin role)
  satellite add <id> --name <name> --region <region>   register a satellite, print its token (once)
  satellite rotate-token <id> | remove <id> | list [--json]
  check add <id> --system <systemId> (--http <url> [--method GET] [--expect 200] | --tcp <host:port>)
            [--timeout 10s] [--interval 60s] [--satellites a,b]
  check update <id> [same options] | remove <id> | list [--json]
  maintenance add <id> --title <title> --systems a,b [--description <text>]
            (--start <time> --end <time> | --weekdays mon,wed --time HH:MM --duration 2h
            [--timezone Europe/Berlin] [--from <time>] [--until <time>])   times: ISO 8601 or epoch ms
  maintenance cancel <id> | remove <id> | list [--json]
  apply -f <setup.yaml>   create or update the groups, systems, satellites, checks and
            maintenances of a setup file (the same file a node applies at start with VIGIL_SETUP_FILE)
  automation apply -f <automations.yaml> | list | show <id> | enable <id> | disable <id> | delete <id>
  automation template list | show <name> | apply <name>  [--set name=value ...] [--id <id>]
            automations shipped with Vigil, with their parameters (show prints, apply saves)
  automation schema   the JSON Schema of automation documents (also docs/automation.schema.json)
  runs list [--automation <id>] | show <runId>     run traces: trigger, conditions, steps
  catalog [--json]   every trigger and action, with their JSON Schemas
  nats-accounts   print the nats-server accounts block for this namespace: the nodes', the
            read-only subscriber's and the command sender's users with their subject permissions
            (deploy/nats-accounts.conf is this for namespace vigil)

Every command but start, migrate and nats-accounts talks to a node over HTTP: VIGIL_URL (default:
a node on this machine, http://127.0.0.1:<VIGIL_HTTP_PORT>), with the API token in VIGIL_TOKEN
(default: the admin token a node on embedded defaults wrote to <VIGIL_DATA_DIR>/admin-token).
exit codes: 0 done, 1 failed (the reason on stderr), 2 bad usage or configuration; --debug prints the
stack trace of an unexpected error.
configuration: environment variables (DATABASE_URL, NATS_URL, NATS_USER, NATS_PASSWORD, VIGIL_NODE_ID, ...)
and an optional JSON file (VIGIL_CONFIG or --config); see README.md.`;

const options = {
  config: { type: 'string' },
  json: { type: 'boolean' },
  name: { type: 'string' },
  role: { type: 'string' },
  expires: { type: 'string' },
  region: { type: 'string' },
  file: { type: 'string', short: 'f' },
  system: { type: 'string' },
  http: { type: 'string' },
  tcp: { type: 'string' },
  method: { type: 'string' },
  expect: { type: 'string' },
  timeout: { type: 'string' },
  interval: { type: 'string' },
  satellites: { type: 'string' },
  title: { type: 'string' },
  description: { type: 'string' },
  systems: { type: 'string' },
  start: { type: 'string' },
  end: { type: 'string' },
  weekdays: { type: 'string' },
  time: { type: 'string' },
  duration: { type: 'string' },
  timezone: { type: 'string' },
  from: { type: 'string' },
  until: { type: 'string' },
  automation: { type: 'string' },
  set: { type: 'string', multiple: true },
  id: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  /** Print the stack trace of an unexpected error (a bug, not a mistake of the user's). */
  debug: { type: 'boolean' },
} as const;

/** Entry point of the `vigil` command. Exit codes: 0 ok, 1 runtime failure, 2 bad usage or config. */
export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options });
  } catch (error) {
    // A mistyped or misused flag is the user's mistake: say which, never a stack trace.
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) return usageError((error as Error).message);
    throw error;
  }
  const { positionals, values } = parsed;
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
  try {
    return await run(command, positionals, values, config);
  } catch (error) {
    // Another process holds the embedded database: never a crash, never a second opener.
    if (error instanceof DataFolderLockedError) {
      console.error(`vigil: ${describeLockedFolder(error)}`);
      return 2;
    }
    throw error;
  }
}

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

async function run(command: string, positionals: string[], values: Values, config: VigilConfig): Promise<number> {
  const log = createLogger(config.nodeId, config.logLevel);

  switch (command) {
    case 'migrate': {
      const database = await Database.open({ url: config.databaseUrl, dataDir: config.dataDir, owner: { command: 'vigil migrate' } });
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
        if (error instanceof DataFolderLockedError) throw error; // exit code 2, said once below
        if (error instanceof EmbeddedNatsError || error instanceof SetupFileError || error instanceof HttpListenError) {
          console.error(`vigil: ${error.message}`);
          return 2;
        }
        log.fatal({ err: error }, 'node failed to start');
        return 1;
      }
      // For a person at a terminal; programs read the `vigil node ready` log line or node.json.
      if (process.stderr.isTTY) process.stderr.write(formatReadyBanner(node.endpoints));
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
    case 'check':
      return checkCommand(config, positionals.slice(1), values);
    case 'maintenance':
      return maintenanceCommand(config, positionals.slice(1), values);
    case 'apply':
      return applyCommand(config, values.file, values.json === true);
    case 'automation':
      return automationCommand(config, positionals.slice(1), values);
    case 'runs':
      return runsCommand(config, positionals.slice(1), values);
    case 'catalog':
      return catalogCommand(values);
    case 'token':
      return tokenCommand(config, positionals.slice(1), values);
    case 'nats-accounts':
      process.stdout.write(renderNatsAccounts({ namespace: config.namespace }));
      return 0;
    case 'status': {
      try {
        const status = await NodeClient.connect(config).request<ClusterStatus>('GET', '/cluster/status');
        console.log(values.json ? JSON.stringify(status, null, 2) : formatClusterStatus(status));
        return 0;
      } catch (error) {
        return fail((error as Error).message);
      }
    }
    default:
      console.error(`vigil: unknown command "${command}"\n\n${usage}`);
      return 2;
  }
}

/** The lock error's message, plus the HTTP address of the node that holds the folder when it is one. */
function describeLockedFolder(error: DataFolderLockedError): string {
  const node = findLocalNode(error.folder);
  return node && node.pid === error.holder?.pid ? `${error.message}\nThat node (${node.nodeId}) serves HTTP at ${node.httpUrl}.` : error.message;
}

/** A usage mistake: the reason and where to read the usage; exit code 2. */
function usageError(reason: string): number {
  console.error(`vigil: ${reason}\n(vigil --help lists the commands and their options)`);
  return 2;
}
