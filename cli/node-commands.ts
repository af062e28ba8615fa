import { renderNatsAccounts } from '../bus/index.ts';
import { createLogger, EmbeddedNatsError, findLocalNode, formatReadyBanner, loadConfig, startNode, type VigilConfig } from '../node/index.ts';
import { HttpListenError } from '../gateway/index.ts';
import { Database, DataFolderLockedError } from '../persistence/index.ts';
import { SetupFileError } from '../setup/setup-file.ts';
import type { CommandLine } from './command-line.ts';

/**
 * `vigil start` and `vigil migrate`: the commands that run a node or open its database
 * themselves (every other command talks to a node over HTTP). Loaded only for them: they pull in
 * the whole node (MikroORM, NATS, uWebSockets.js). A bad configuration throws `ConfigError`
 * (exit code 2, cli/main.ts).
 */
export async function nodeCommand(command: 'start' | 'migrate', line: CommandLine): Promise<number> {
  const config = loadConfig(process.env, line.configFile);
  const log = createLogger(config.nodeId, config.logLevel);
  try {
    return command === 'migrate' ? await migrate(config, log) : await start(config, log);
  } catch (error) {
    // Another process holds the embedded database: never a crash, never a second opener.
    if (error instanceof DataFolderLockedError) {
      console.error(`vigil: ${describeLockedFolder(error)}`);
      return 2;
    }
    throw error;
  }
}

async function migrate(config: VigilConfig, log: ReturnType<typeof createLogger>): Promise<number> {
  const database = await Database.open({ url: config.databaseUrl, dataDir: config.dataDir, owner: { command: 'vigil migrate' } });
  try {
    const applied = await database.migrate();
    log.info({ applied }, applied.length > 0 ? 'migrations applied' : 'database is up to date');
    return 0;
  } finally {
    await database.close();
  }
}

async function start(config: VigilConfig, log: ReturnType<typeof createLogger>): Promise<number> {
  let node;
  let fatal: ((reason: string) => void) | undefined;
  try {
    node = await startNode(config, log, (reason) => fatal?.(reason));
  } catch (error) {
    if (error instanceof DataFolderLockedError) throw error; // exit code 2, said once above
    if (error instanceof EmbeddedNatsError || error instanceof SetupFileError || error instanceof HttpListenError) {
      console.error(`vigil: ${error.message}`);
      return 2;
    }
    log.fatal({ err: error }, 'node failed to start');
    return 1;
  }
  // For a person at a terminal; programs read the `vigil node ready` log line or node.json.
  if (process.stderr.isTTY) process.stderr.write(formatReadyBanner(node.endpoints));
  return new Promise<number>((resolve) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutdown requested');
      void node.stop().then(() => resolve(0));
    };
    fatal = () => void node.stop().then(() => resolve(2));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
}

/** The lock error's message, plus the HTTP address of the node that holds the folder when it is one. */
function describeLockedFolder(error: DataFolderLockedError): string {
  const node = findLocalNode(error.folder);
  return node && node.pid === error.holder?.pid ? `${error.message}\nThat node (${node.nodeId}) serves HTTP at ${node.httpUrl}.` : error.message;
}

/** `vigil nats-accounts`: the nats-server accounts block of the configured namespace. */
export async function natsAccountsCommand(line: CommandLine): Promise<number> {
  process.stdout.write(renderNatsAccounts({ namespace: loadConfig(process.env, line.configFile).namespace }));
  return 0;
}
