import { Command, Option } from 'commander';
import { CommandLine } from './command-line.ts';
import { enableDebug, ExitCode, UsageError } from './exit.ts';
import { packageVersion } from './package-version.ts';

// The `vigil` command tree: every command, argument and option with its help text. Each action
// imports its command's module only when it runs (they load zod, the node's schemas, or the whole
// node), so `vigil --help` and the parser's usage errors cost commander alone.

/** What a command does once parsed: its exit code (cli/exit.ts). */
type Work = (line: CommandLine) => Promise<number>;

const AFTER_HELP = `
Every command but start, migrate, nats-accounts, catalog, automation schema and automation template
list/show talks to a node over HTTP: VIGIL_URL (default: the node on this machine that keeps its data
in VIGIL_DATA_DIR, else http://127.0.0.1:<VIGIL_HTTP_PORT>), with the API token in VIGIL_TOKEN (default:
VIGIL_ADMIN_TOKEN, else the admin token a node on embedded defaults wrote to <VIGIL_DATA_DIR>/admin-token).
start and migrate read the node's configuration: environment variables (DATABASE_URL, NATS_URL,
VIGIL_NODE_ID, ...) and the optional JSON file of --config or VIGIL_CONFIG; see README.md.

Exit codes: 0 done; 1 failed (the reason on stderr); 2 bad usage or configuration (nothing was done).
--debug (or VIGIL_DEBUG=1) adds the stack trace to a failure.`;

/**
 * Builds the parser. `outcome.exitCode` receives the exit code of the command that ran. Usage
 * errors and `--help`/`--version` throw commander's `CommanderError` (see cli/main.ts).
 */
export function buildProgram(outcome: { exitCode: number }): Command {
  const program = new Command('vigil')
    .description('Vigil: run a node, and manage a cluster through a node\'s HTTP API.')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .option('--config <file>', 'the node\'s JSON config file (default: $VIGIL_CONFIG)')
    .option('--debug', 'print the stack trace of a failure (also VIGIL_DEBUG=1)')
    .helpOption('-h, --help', 'print this help and exit')
    .helpCommand('help [command]', 'print the help of a command')
    // Set before any subcommand is added: subcommands inherit them.
    .exitOverride()
    .configureOutput({ outputError: (message, write) => write(`vigil: ${message.replace(/^error: /, '')}`) })
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', AFTER_HELP);
  program.hook('preAction', (root) => {
    if ((root.opts() as { debug?: boolean }).debug) enableDebug();
  });

  const act =
    (work: Work) =>
    async (...args: unknown[]): Promise<void> => {
      const command = args.at(-1) as Command;
      try {
        outcome.exitCode = await work(new CommandLine(command));
      } catch (error) {
        // A value the parser could not check: reported exactly like its own usage errors.
        if (error instanceof UsageError) command.error(error.message, { exitCode: ExitCode.usage, code: 'vigil.usage' });
        throw error;
      }
    };
  const json = (what: string) => new Option('--json', `print ${what} as JSON`);
  // The lists of the query API: one page of --limit items, or --all of them (cli/query-list.ts).
  const paged = (command: Command) =>
    command
      .option('--limit <n>', 'how many to print, 1-500 (default: 50); with --all, how many to ask for per request')
      .option('--all', 'print every one: ask for page after page until the last')
      .addOption(new Option('--json', 'print the items as the API gives them: one JSON array (docs/PROTOCOL.md, "Query API")'));

  program
    .command('start')
    .description('start a node (embedded PGlite and nats-server when DATABASE_URL / NATS_URL are not set)')
    .action(act((line) => import('./node-commands.ts').then((module) => module.nodeCommand('start', line))));
  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .action(act((line) => import('./node-commands.ts').then((module) => module.nodeCommand('migrate', line))));
  program
    .command('status')
    .description('show the cluster: nodes and their partitions, outbox backlog, consumer lag, parked messages')
    .addOption(json('the status'))
    .action(act((line) => import('./cluster-status.ts').then((module) => module.statusCommand(line))));
  program
    .command('nats-accounts')
    .description("print the nats-server accounts block for this namespace: the nodes', the read-only subscriber's and the command sender's users with their subject permissions (deploy/nats-accounts.conf is this for namespace vigil)")
    .action(act((line) => import('./node-commands.ts').then((module) => module.natsAccountsCommand(line))));
  program
    .command('apply')
    .description('create or update the groups, systems, satellites, checks and maintenances of a setup file (the file a node applies at start with VIGIL_SETUP_FILE); one line per entity')
    .requiredOption('-f, --file <setup.yaml>', 'the setup file (YAML or JSON)')
    .addOption(json('the report'))
    .action(act((line) => import('./apply-command.ts').then((module) => module.applyCommand(line))));
  program
    .command('catalog')
    .description('every trigger and action automations can use')
    .addOption(new Option('--json', 'print them with their payload and config JSON Schemas'))
    .action(act((line) => import('./catalog-command.ts').then((module) => module.catalogCommand(line))));

  const token = program.command('token').description('API tokens (admin role)');
  token
    .command('create')
    .description('create an API token and print it (once: only its hash is stored)')
    .requiredOption('--name <name>', 'its name: 1-64 lowercase letters, digits, "_", "." or "-"; changes made with it say token:<name>')
    .requiredOption('--role <role>', 'viewer, operator or admin')
    .option('--expires <duration>', 'expire after this long, e.g. 90d or 12h (default: never)')
    .addOption(json('the token with its listing'))
    .action(act((line) => import('./token-commands.ts').then((module) => module.createToken(line))));
  token
    .command('list')
    .description('list the tokens (never their values)')
    .addOption(json('the list'))
    .action(act((line) => import('./token-commands.ts').then((module) => module.listTokens(line))));
  token
    .command('revoke')
    .description('revoke a token by name')
    .argument('<name>', 'the token\'s name')
    .action(act((line) => import('./token-commands.ts').then((module) => module.revokeToken(line))));

  const satellite = program.command('satellite').description('satellites (monitoring agents) and their tokens');
  satellite
    .command('add')
    .description('register a satellite and print its token (once)')
    .argument('<id>', 'the satellite\'s id')
    .requiredOption('--name <name>', 'its display name')
    .requiredOption('--region <region>', 'where it runs, e.g. eu-west')
    .action(act((line) => import('./satellite-commands.ts').then((module) => module.addSatellite(line))));
  satellite
    .command('rotate-token')
    .description('issue a new token for a satellite and print it (the old one stops working at once)')
    .argument('<id>', 'the satellite\'s id')
    .action(act((line) => import('./satellite-commands.ts').then((module) => module.rotateSatelliteToken(line))));
  satellite
    .command('remove')
    .description('remove a satellite and its token')
    .argument('<id>', 'the satellite\'s id')
    .action(act((line) => import('./satellite-commands.ts').then((module) => module.removeSatellite(line))));
  paged(
    satellite
      .command('list')
      .description('list the satellites by id: status, region, the node holding its connection, when last seen, when its token was rotated')
      .option('--status <statuses>', 'only these, comma-separated: registered, online, offline')
      .option('--region <region>', 'only the satellites of this region'),
  )
    .action(act((line) => import('./satellite-commands.ts').then((module) => module.listSatellites(line))));

  const check = program.command('check').description('checks: what satellites probe, and how often; push checks: jobs that ping Vigil');
  // Repeatable options (--header, --json-path, --answer) collect their values in order.
  const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];
  const checkSettings = (command: Command, defaults: boolean) =>
    command
      .option('--http <url>', 'probe this http(s) URL')
      .option('--tcp <host:port>', 'connect to this TCP port')
      .option('--dns <name>', 'query DNS for this name')
      .option('--tls <host[:port]>', `check the TLS certificate of this host${defaults ? ' (port default: 443)' : ''}`)
      .option('--strategy <json|@file>', 'the whole strategy as JSON, or @file holding it (docs/PROTOCOL.md, "Check strategies")')
      .option('--timeout <duration>', `how long one probe may take${defaults ? ' (default: 10s)' : ''}`)
      .option('--interval <duration>', `how often to probe${defaults ? ' (default: 60s)' : ''}`)
      .option('--satellites <ids>', `the satellites that run it, comma-separated${defaults ? ' (default: none)' : ''}`)
      .option('--method <method>', `http: GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS${defaults ? ' (default: GET)' : ''}`)
      .option('--expect <statuses>', `http: the statuses that mean healthy, such as 200 or 200,3xx,401-403${defaults ? ' (default: 2xx)' : ''}`)
      .option('--header <header>', "http: a request header, 'Name: value' (repeatable); ${env:NAME} in the value is read on the satellite", collect)
      .option('--body <text|@file>', 'http: the request body (POST, PUT, PATCH, DELETE, OPTIONS); ${env:NAME} as in --header')
      .option('--contains <text>', 'http: the body (its first MiB) must contain this')
      .option('--not-contains <text>', 'http: the body must not contain this')
      .option('--json-path <assertion>', "http: '$.path=value' (the body's JSON there equals value) or '$.path' (exists) (repeatable)", collect)
      .option('--max-response-time <duration>', 'http: slower than this fails')
      .option('--follow-redirects', `http: follow redirects${defaults ? ' (default: a redirect is judged as a status)' : ''}`)
      .option('--max-redirects <n>', `http: with --follow-redirects, at most this many${defaults ? ' (default: 10)' : ''}`)
      .option('--min-days <n>', `http(s), tls: the certificate must be valid this many more days${defaults ? ' (tls default: 14)' : ''}`)
      .option('--accept-invalid-certificates', 'http(s), tls: accept a certificate that does not verify (self-signed, private CA); judge only its expiry')
      .option('--servername <name>', 'tls: the name to send (SNI) and verify, if not the host')
      .option('--record-type <type>', `dns: A, AAAA, CNAME, MX, TXT, NS, SOA, SRV, CAA or PTR${defaults ? ' (default: A)' : ''}`)
      .option('--answer <value>', "dns: an expected answer, such as 10.0.0.7 or '10 mail.shop.example' (repeatable)", collect)
      .option('--match <mode>', `dns: contains (every --answer is among the answers) or exact (the answers are exactly these)${defaults ? ' (default: contains)' : ''}`)
      .option('--resolver <ip[:port]>', `dns: the DNS server to ask${defaults ? " (default: the satellite's)" : ''}`)
      .option('--push', 'a push check: no satellite runs it, a job pings its URL (POST /push/<token>) at least every --period')
      .option('--period <duration>', 'with --push: how often the job pings')
      .option('--grace <duration>', `with --push: how late a ping may be before it counts as missed${defaults ? ' (default: 1m)' : ''}`);
  checkSettings(
    check
      .command('add')
      .description('add a check of a system: --http <url>, --tcp <host:port>, --dns <name>, --tls <host[:port]>, --strategy <json|@file>, or --push --period <duration> (prints the URL its job pings)')
      .argument('<id>', 'the check\'s id (never reused)')
      .requiredOption('--system <systemId>', 'the system it checks'),
    true,
  ).action(act((line) => import('./check-commands.ts').then((module) => module.addCheck(line))));
  checkSettings(check.command('update').description('change the options given of a check (a strategy is given whole)').argument('<id>', 'the check\'s id'), false).action(
    act((line) => import('./check-commands.ts').then((module) => module.updateCheck(line))),
  );
  check
    .command('remove')
    .description('remove a check')
    .argument('<id>', 'the check\'s id')
    .action(act((line) => import('./check-commands.ts').then((module) => module.removeCheck(line))));
  check
    .command('push-token')
    .description("issue a new token for a push check and print the URL its job pings (the old token stops working)")
    .argument('<id>', 'the check\'s id')
    .action(act((line) => import('./check-commands.ts').then((module) => module.rotatePushToken(line))));
  check
    .command('list')
    .description('list the checks')
    .addOption(json('the list'))
    .action(act((line) => import('./check-commands.ts').then((module) => module.listChecks(line))));

  const maintenance = program.command('maintenance').description('maintenance windows: the systems in one are expected to be down');
  maintenance
    .command('add')
    .description('add a one-off window (--start and --end) or a recurring one (--weekdays, --time and --duration); times are ISO 8601 with a zone, or epoch ms')
    .argument('<id>', 'the maintenance\'s id (never reused)')
    .requiredOption('--title <title>', 'what is done')
    .requiredOption('--systems <ids>', 'the systems concerned, comma-separated')
    .option('--description <text>', 'more about it')
    .option('--start <time>', 'one-off: when it starts, e.g. 2026-03-01T22:00:00Z')
    .option('--end <time>', 'one-off: when it ends')
    .option('--weekdays <days>', 'recurring: the days it starts on, e.g. mon,wed')
    .option('--time <HH:MM>', 'recurring: the time it starts, in --timezone')
    .option('--duration <duration>', 'recurring: how long it lasts, in whole minutes, e.g. 90m or 2h')
    .option('--timezone <zone>', 'recurring: the IANA time zone of --time', 'UTC')
    .option('--from <time>', 'recurring: first day it applies (default: now)')
    .option('--until <time>', 'recurring: last day it applies (default: for ever)')
    .action(act((line) => import('./maintenance-commands.ts').then((module) => module.addMaintenance(line))));
  maintenance
    .command('cancel')
    .description('cancel a scheduled or active maintenance')
    .argument('<id>', 'the maintenance\'s id')
    .action(act((line) => import('./maintenance-commands.ts').then((module) => module.endMaintenance(line, 'cancel'))));
  maintenance
    .command('remove')
    .description('remove a maintenance')
    .argument('<id>', 'the maintenance\'s id')
    .action(act((line) => import('./maintenance-commands.ts').then((module) => module.endMaintenance(line, 'remove'))));
  maintenance
    .command('list')
    .description('list the maintenances with their current or next window')
    .addOption(json('the list'))
    .action(act((line) => import('./maintenance-commands.ts').then((module) => module.listMaintenances(line))));

  const automation = program.command('automation').description('automations: triggers, conditions and steps the cluster runs');
  automation
    .command('apply')
    .description('check every automation of a file against the catalogs, then save them (one bad document saves nothing)')
    .requiredOption('-f, --file <automations.yaml>', 'the file (YAML or JSON)')
    .action(act((line) => import('./automation-commands.ts').then((module) => module.applyAutomations(line))));
  automation
    .command('list')
    .description('list the automations')
    .addOption(json('the list'))
    .action(act((line) => import('./automation-commands.ts').then((module) => module.listAutomations(line))));
  automation
    .command('show')
    .description('print an automation as JSON')
    .argument('<id>', 'the automation\'s id')
    .action(act((line) => import('./automation-commands.ts').then((module) => module.showAutomation(line))));
  for (const [name, description] of [
    ['enable', 'enable an automation'],
    ['disable', 'disable an automation (its triggers no longer start runs)'],
    ['delete', 'delete an automation'],
  ] as const) {
    automation
      .command(name)
      .description(description)
      .argument('<id>', 'the automation\'s id')
      .action(act((line) => import('./automation-commands.ts').then((module) => module.switchAutomation(line, name))));
  }
  automation
    .command('schema')
    .description('print the JSON Schema of automation documents (also docs/automation.schema.json)')
    .action(act(() => import('./automation-commands.ts').then((module) => module.printAutomationSchema())));
  const template = automation.command('template').description('automations shipped with Vigil, with their parameters');
  const templateValues = (command: Command) =>
    command
      .argument('<name>', 'the template\'s name (see `vigil automation template list`)')
      .option('--set <name=value>', 'a parameter\'s value (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
      .option('--id <id>', 'the automation\'s id (default: the template\'s)');
  template
    .command('list')
    .description('list the templates and their parameters')
    .addOption(json('the list'))
    .action(act((line) => import('./template-commands.ts').then((module) => module.listTemplatesCommand(line))));
  templateValues(template.command('show').description('print the automation a template renders with these values (saves nothing)'))
    .addOption(json('the automation'))
    .action(act((line) => import('./template-commands.ts').then((module) => module.showTemplate(line))));
  templateValues(template.command('apply').description('render a template with these values, check it and save it')).action(
    act((line) => import('./automation-commands.ts').then((module) => module.applyTemplate(line))),
  );

  const runs = program.command('runs').description('automation runs: trigger, conditions, steps');
  paged(
    runs
      .command('list')
      .description('list the runs, newest start first')
      .option('--automation <id>', 'only the runs of this automation')
      .option('--status <statuses>', 'only these, comma-separated: running, waiting, succeeded, failed, stopped, skipped, cancelled'),
  ).action(act((line) => import('./runs-commands.ts').then((module) => module.listRuns(line))));
  runs
    .command('show')
    .description('print a run with its trigger, conditions and steps')
    .argument('<runId>', 'the run\'s id')
    .addOption(json('the run'))
    .action(act((line) => import('./runs-commands.ts').then((module) => module.showRun(line))));

  const deliveries = program.command('deliveries').description('notification deliveries (Slack, e-mail, webhook): every attempt, and retrying dead ones');
  paged(
    deliveries
      .command('list')
      .description('list the deliveries, newest first')
      .option('--dead', 'only dead ones (failed for good: retry them with `vigil deliveries retry <id>`)')
      .option('--status <statuses>', 'only these, comma-separated: pending, delivered, dead')
      .option('--run <runId>', 'only the deliveries of this run')
      .option('--automation <id>', 'only the deliveries of this automation'),
  ).action(act((line) => import('./deliveries-commands.ts').then((module) => module.listDeliveries(line))));
  deliveries
    .command('show')
    .description('print a delivery with every attempt')
    .argument('<id>', 'the delivery\'s id (dlv_…)')
    .addOption(json('the delivery with its attempts and request'))
    .action(act((line) => import('./deliveries-commands.ts').then((module) => module.showDelivery(line))));
  deliveries
    .command('retry')
    .description('make one more attempt of a dead delivery now (operator role); exit code 1 when it is still dead')
    .argument('<id>', 'the delivery\'s id (dlv_…)')
    .addOption(json('the delivery after the attempt'))
    .action(act((line) => import('./deliveries-commands.ts').then((module) => module.retryDelivery(line))));

  const system = program.command('system').description('monitored systems and their health');
  paged(
    system
      .command('list')
      .description('list the systems: name, health (unknown before the first check result), healthy/total checks')
      .option('--health <statuses>', 'only these, comma-separated: healthy, degraded, unhealthy, unknown')
      .option('--group <id>', 'only the systems of this group')
      .option('--search <text>', 'only the systems whose name contains this (any case)')
      .addOption(new Option('--sort <order>', 'name, or health: unhealthy, degraded, unknown, healthy, then by name').choices(['name', 'health']).default('name')),
  ).action(act((line) => import('./system-commands.ts').then((module) => module.listSystems(line))));

  const incident = program.command('incident').description('incidents and their timelines');
  paged(
    incident
      .command('list')
      .description('list the incidents, newest first; every status unless --status')
      .option('--status <statuses>', 'only these, comma-separated: open (any but resolved), investigating, identified, fixing, monitoring, resolved')
      .option('--severity <severities>', 'only these, comma-separated: minor, major, critical')
      .option('--system <id>', 'only the incidents naming this system')
      .option('--since <when>', 'only those created since: a duration before now (24h, 30m), an ISO 8601 time with a zone, or epoch ms'),
  ).action(act((line) => import('./incident-commands.ts').then((module) => module.listIncidents(line))));
  incident
    .command('show')
    .description('print an incident, then its timeline: each change, who made it and the run that did (see `vigil runs show <runId>`)')
    .argument('<id>', 'the incident\'s id')
    .addOption(json('the incident and its timeline'))
    .action(act((line) => import('./incident-commands.ts').then((module) => module.showIncident(line))));

  addUsageHints(program);
  return program;
}

/** After a usage error, each command names the help that shows its usage: `(see \`vigil check add --help\`)`. */
function addUsageHints(command: Command, path = command.name()): void {
  command.showHelpAfterError(`(see \`${path} --help\`)`);
  for (const sub of command.commands) addUsageHints(sub, `${path} ${sub.name()}`);
}
