import { parseArgs } from 'node:util';
import type { VigilConfig } from '../node/config.ts';

// Command modules are imported when their command runs, so `vigil --help` and the HTTP commands
// do not load the node (MikroORM, NATS, uWebSockets.js).

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
  // Configuration errors are the user's to fix: exit code 2 with what is wrong.
  const { ConfigError, loadConfig } = await import('../node/config.ts');
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
  return run(command, positionals, values, config);
}

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

async function run(command: string, positionals: string[], values: Values, config: VigilConfig): Promise<number> {
  const args = positionals.slice(1);
  switch (command) {
    case 'start':
    case 'migrate':
      return (await import('./node-commands.ts')).nodeCommand(command, config);
    case 'satellite':
      return (await import('./satellite-commands.ts')).satelliteCommand(config, args, { name: values.name, region: values.region, json: values.json });
    case 'check':
      return (await import('./check-commands.ts')).checkCommand(config, args, values);
    case 'maintenance':
      return (await import('./maintenance-commands.ts')).maintenanceCommand(config, args, values);
    case 'apply':
      return (await import('./apply-command.ts')).applyCommand(config, values.file, values.json === true);
    case 'automation':
      return (await import('./automation-commands.ts')).automationCommand(config, args, values);
    case 'runs':
      return (await import('./automation-commands.ts')).runsCommand(config, args, values);
    case 'catalog':
      return (await import('./automation-commands.ts')).catalogCommand(values);
    case 'token':
      return (await import('./token-commands.ts')).tokenCommand(config, args, values);
    case 'nats-accounts':
      process.stdout.write((await import('../bus/index.ts')).renderNatsAccounts({ namespace: config.namespace }));
      return 0;
    case 'status':
      return (await import('./cluster-status.ts')).statusCommand(config, values.json === true);
    default:
      console.error(`vigil: unknown command "${command}"\n\n${usage}`);
      return 2;
  }
}

/** A usage mistake: the reason and where to read the usage; exit code 2. */
function usageError(reason: string): number {
  console.error(`vigil: ${reason}\n(vigil --help lists the commands and their options)`);
  return 2;
}
