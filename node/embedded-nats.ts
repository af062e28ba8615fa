import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { delimiter, join, resolve } from 'node:path';
import { identityOf, processIdentitySchema, processState, type ProcessIdentity } from '../persistence/index.ts';

/** A `nats-server -js` child process, for a single node started with no `NATS_URL`. */
export interface EmbeddedNats {
  readonly url: string;
  stop(): Promise<void>;
}

export class EmbeddedNatsError extends Error {
  readonly code = 'NATS_NOT_FOUND';
}

/** Finds `nats-server` on PATH. */
export function findNatsServer(path = process.env.PATH ?? ''): string | undefined {
  const folders = path.split(delimiter).filter(Boolean);
  return folders.map((folder) => join(folder, 'nats-server')).find((candidate) => existsSync(candidate));
}

/** Where the running child's identity is recorded, so the next start can end one a killed node left. */
const RECORD_FILE = 'nats-server.json';

/**
 * Starts `nats-server -js` on a free loopback port with its store under `dataDir/nats`, and
 * resolves once it accepts connections. Throws `EmbeddedNatsError` saying how to get NATS when
 * the binary is not installed.
 *
 * The caller must hold the data folder's lock (`DataFolderLock`): a `nats-server` that a killed
 * node left running on this store (recorded in `dataDir/nats-server.json`, recognised by pid and
 * process start time) is stopped first, so two servers never share one JetStream store.
 */
export async function startEmbeddedNats(dataDir: string, port?: number): Promise<EmbeddedNats> {
  const binary = findNatsServer();
  if (!binary) {
    throw new EmbeddedNatsError(
      'NATS_URL is not set and no nats-server binary is on PATH. Install one (Debian/Ubuntu: apt install nats-server; ' +
        'or run `docker compose up -d nats-1`) and/or set NATS_URL=nats://host:4222 to use a running server.',
    );
  }
  const storeDir = resolve(join(dataDir, 'nats'));
  mkdirSync(storeDir, { recursive: true });
  const record = join(resolve(dataDir), RECORD_FILE);
  await stopLeftover(record);
  const chosenPort = port ?? (await freePort());
  const child = spawn(binary, ['-a', '127.0.0.1', '-p', String(chosenPort), '-js', '-sd', storeDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  await waitForTcpPort(chosenPort, 15_000, () => {
    if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode}: ${stderr}`);
  }).catch((error) => {
    child.kill('SIGKILL');
    throw error;
  });
  writeRecord(record, identityOf(child.pid));
  return {
    url: `nats://127.0.0.1:${chosenPort}`,
    stop: async () => {
      await stopChild(child);
      removeQuietly(record);
    },
  };
}

/** Ends the `nats-server` recorded in `record` if that very process still runs (same pid and start time). */
async function stopLeftover(record: string): Promise<void> {
  let leftover: ProcessIdentity | undefined;
  try {
    leftover = processIdentitySchema.parse(JSON.parse(readFileSync(record, 'utf8')));
  } catch {
    return; // none recorded (or unreadable: nothing we could safely stop)
  }
  // Without a start time the pid could belong to an unrelated process by now: leave it alone.
  if (leftover.startTicks === undefined || processState(leftover) !== 'alive') return removeQuietly(record);
  const started = Date.now();
  signal(leftover.pid, 'SIGTERM');
  while (processState(leftover) === 'alive') {
    if (Date.now() - started > 10_000) throw new Error(`the nats-server (pid ${leftover.pid}) a previous run left on this data folder does not exit; stop it, then start again`);
    if (Date.now() - started > 5_000) signal(leftover.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 50));
  }
  removeQuietly(record);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // exited meanwhile
  }
}

function writeRecord(record: string, identity: ProcessIdentity): void {
  const temporary = `${record}.tmp-${process.pid}`;
  writeFileSync(temporary, JSON.stringify(identity), { mode: 0o644 });
  renameSync(temporary, record);
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves once something accepts TCP connections on the loopback `port`; `check` may throw to give up early. */
export async function waitForTcpPort(port: number, timeoutMs: number, check: () => void = () => undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    check();
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing accepted connections on port ${port} within ${timeoutMs} ms`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolveConnect) => {
    const socket = tcpConnect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolveConnect(true);
    });
    socket.once('error', () => resolveConnect(false));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timeout = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timeout);
}
