import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNatsServer, freePort, waitForTcpPort } from '../../node/index.ts';

export interface NatsProcessOptions {
  /**
   * More nats-server configuration (e.g. an `accounts` block with users and permissions), added
   * to the listener and JetStream lines this class writes into `<store>/nats-server.conf`.
   */
  config?: string;
  /** Environment of the server process (e.g. the passwords the configuration references as `$VARIABLE`). */
  env?: Record<string, string>;
}

/**
 * A nats-server of the test's own, on a free loopback port, for tests that stop and restart NATS
 * or need a configuration of their own (never the machine's shared server). Restarts keep the
 * port and the JetStream store.
 */
export class NatsProcess {
  private child: ChildProcess | undefined;
  private readonly storeDir = mkdtempSync(join(tmpdir(), 'vigil-nats-'));
  port = 0;
  /** The server's log so far (it logs to stderr), e.g. to look for permission violations. */
  log = '';

  constructor(private readonly options: NatsProcessOptions = {}) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const binary = findNatsServer();
    if (!binary) throw new Error('nats-server is not on PATH');
    if (this.port === 0) this.port = await freePort();
    const configFile = join(this.storeDir, 'nats-server.conf');
    writeFileSync(configFile, [`listen: "127.0.0.1:${this.port}"`, `jetstream { store_dir: ${JSON.stringify(this.storeDir)} }`, this.options.config ?? '', ''].join('\n'));
    const child = spawn(binary, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH, ...this.options.env } });
    child.stderr!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.child = child;
    await waitForTcpPort(this.port, 10_000, () => {
      if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode}:\n${this.log.slice(-3000)}`);
    });
  }

  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
