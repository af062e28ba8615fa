import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { delimiter, join, resolve } from 'node:path';
import { z } from 'zod';
import { Secret, type NatsAuthSettings } from '../bus/index.ts';
import { identityOf, processIdentitySchema, processState, type ProcessIdentity } from '../persistence/index.ts';

/** A `nats-server -js` child process, for a single node started with no `NATS_URL`. */
export interface EmbeddedNats {
  readonly url: string;
  /** The generated user the node connects as (the server's only user). */
  readonly auth: NatsAuthSettings & { readonly user: string; readonly password: Secret };
  /** Where that user's password is kept (mode 0600). */
  readonly authFile: string;
  stop(): Promise<void>;
}

export class EmbeddedNatsError extends Error {
  constructor(
    readonly code: 'NATS_NOT_FOUND' | 'NATS_AUTH_FILE_INVALID',
    message: string,
  ) {
    super(message);
    this.name = 'EmbeddedNatsError';
  }
}

/** `<dataDir>/nats-auth.json`: the embedded server's user, generated at the first start. */
const authFileSchema = z.object({
  user: z.string().regex(/^[A-Za-z0-9_\-]{1,64}$/),
  password: z.string().regex(/^[A-Za-z0-9_\-]{32,}$/),
});
const EMBEDDED_USER = 'vigil-nodes';

/** Where the running child's identity is recorded, so the next start can end one a killed node left. */
const RECORD_FILE = 'nats-server.json';

/** Finds `nats-server` on PATH. */
export function findNatsServer(path = process.env.PATH ?? ''): string | undefined {
  const folders = path.split(delimiter).filter(Boolean);
  return folders.map((folder) => join(folder, 'nats-server')).find((candidate) => existsSync(candidate));
}

/**
 * Starts `nats-server -js` on a free loopback port with its store under `dataDir/nats`, and
 * resolves once it accepts connections. Safe by default: it listens on 127.0.0.1 only (no
 * monitoring port, no cluster, leaf or websocket listener) and admits one user, whose random
 * password is generated at the first start and kept in `<dataDir>/nats-auth.json` (mode 0600);
 * the server's configuration, which holds it too, is `<dataDir>/nats/nats-server.conf` (mode
 * 0600), never the command line. Throws `EmbeddedNatsError` saying how to get NATS when the
 * binary is not installed (`NATS_NOT_FOUND`), or when the auth file is not Vigil's
 * (`NATS_AUTH_FILE_INVALID`).
 *
 * The caller must hold the data folder's lock (`DataFolderLock`): a `nats-server` that a killed
 * node left running on this store (recorded in `dataDir/nats-server.json`, recognised by pid and
 * process start time) is stopped first, so two servers never share one JetStream store.
 */
export async function startEmbeddedNats(dataDir: string, port?: number): Promise<EmbeddedNats> {
  const binary = findNatsServer();
  if (!binary) {
    throw new EmbeddedNatsError(
      'NATS_NOT_FOUND',
      'NATS_URL is not set and no nats-server binary is on PATH. Install one (Debian/Ubuntu: apt install nats-server; ' +
        'or run `docker compose up -d nats-1`) and/or set NATS_URL=nats://host:4222 to use a running server.',
    );
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const storeDir = resolve(join(dataDir, 'nats'));
  mkdirSync(storeDir, { recursive: true, mode: 0o700 });
  const record = join(resolve(dataDir), RECORD_FILE);
  await stopLeftover(record);
  const authFile = resolve(join(dataDir, 'nats-auth.json'));
  const { user, password } = embeddedUser(authFile);
  const chosenPort = port ?? (await freePort());
  const configFile = join(storeDir, 'nats-server.conf');
  writeFileSync(configFile, embeddedServerConfig({ port: chosenPort, storeDir, user, password }), { mode: 0o600 });
  chmodSync(configFile, 0o600);
  const child = spawn(binary, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
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
    auth: { user, password: new Secret(password) },
    authFile,
    stop: async () => {
      await stopChild(child);
      removeQuietly(record);
    },
  };
}

/** Reads the embedded user from `file`, creating it (mode 0600, random 256-bit password) if absent. */
function embeddedUser(file: string): z.infer<typeof authFileSchema> {
  if (!existsSync(file)) {
    const created = { user: EMBEDDED_USER, password: randomBytes(32).toString('base64url') };
    try {
      // 'wx': never overwrite a file another start wrote meanwhile.
      writeFileSync(file, `${JSON.stringify(created, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      return created;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  // Loosened by hand or by a copy: only the owner may read the password.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const parsed = authFileSchema.safeParse(readJson(file));
  if (!parsed.success) {
    throw new EmbeddedNatsError(
      'NATS_AUTH_FILE_INVALID',
      `${file} is not a valid embedded NATS user file ({"user", "password"}); delete it and a new password is generated at the next start`,
    );
  }
  return parsed.data;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The embedded server's configuration: loopback only, JetStream, one user with every permission. */
export function embeddedServerConfig(options: { port: number; storeDir: string; user: string; password: string }): string {
  return [
    '# Written by Vigil at every start of its embedded nats-server: edits are overwritten.',
    `listen: "127.0.0.1:${options.port}"`,
    `jetstream { store_dir: ${JSON.stringify(options.storeDir)} }`,
    'authorization {',
    `  users: [ { user: ${JSON.stringify(options.user)}, password: ${JSON.stringify(options.password)} } ]`,
    '}',
    '',
  ].join('\n');
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
