import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForTcpPort } from '../../node/index.ts';

/**
 * A PostgreSQL server of the test's own (initdb in a temp folder, a free loopback port), for
 * tests that stop and restart the database — never the machine's shared server. Runs as the
 * `postgres` user when the tests run as root (PostgreSQL refuses to run as root).
 */
export class PostgresProcess {
  private readonly dataDir: string;
  private readonly bin: string;
  port = 0;

  constructor() {
    const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort() : [];
    if (versions.length === 0) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql');
    this.bin = `/usr/lib/postgresql/${versions.at(-1)}/bin`;
    const parent = mkdtempSync(join(tmpdir(), 'vigil-pg-'));
    chmodSync(parent, 0o777);
    this.dataDir = join(parent, 'data');
    this.run('initdb', ['-D', this.dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  }

  get url(): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/postgres`;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    const options = `-p ${this.port} -k ${this.dataDir} -c listen_addresses=127.0.0.1`;
    this.run('pg_ctl', ['start', '-D', this.dataDir, '-w', '-t', '30', '-l', join(this.dataDir, '..', 'server.log'), '-o', options]);
    await waitForTcpPort(this.port, 15_000);
  }

  /**
   * Stops the server. `immediate` is a crash as far as the data is concerned (no checkpoint;
   * the next start replays the WAL); `fast` is a clean shutdown.
   */
  async stop(mode: 'immediate' | 'fast' = 'fast'): Promise<void> {
    try {
      this.run('pg_ctl', ['stop', '-D', this.dataDir, '-w', '-m', mode]);
    } catch {
      // not running
    }
  }

  async destroy(): Promise<void> {
    await this.stop('immediate');
    rmSync(join(this.dataDir, '..'), { recursive: true, force: true });
  }

  private command(program: string, args: string[]): [string, string[]] {
    const path = `${this.bin}/${program}`;
    return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
  }

  private run(program: string, args: string[]): void {
    const [command, commandArgs] = this.command(program, args);
    execFileSync(command, commandArgs, { stdio: 'ignore' });
  }
}
