import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { authorization } from './isolation.ts';
import { scaled } from './time-scale.ts';
import { testNodeEnvironment, type TestNodeOptions } from './test-node.ts';

const vigilBin = fileURLToPath(new URL('../../bin/vigil.js', import.meta.url));

/**
 * A `vigil start` child process, for tests that kill nodes (`kill -9`) or need several.
 * Resolves once the node logged "vigil node ready"; `port` is its HTTP port.
 */
export class NodeProcess {
  private child: ChildProcess | undefined;
  port = 0;
  /** The node's stdout+stderr so far (JSON log lines), for diagnosing failures. */
  output = '';
  private readonly environment: Record<string, string>;
  /** Flags for the node binary itself (e.g. `--cpu-prof`, `--inspect=0`). */
  private readonly nodeArguments: string[];
  /** The Node.js binary that runs it (default: the one running the tests). */
  private readonly nodeBinary: string;

  constructor(options: TestNodeOptions & { nodeArguments?: string[]; nodeBinary?: string }) {
    this.nodeArguments = options.nodeArguments ?? [];
    this.nodeBinary = options.nodeBinary ?? process.execPath;
    // Keep the data dir and node id across restarts: a restart is the same node coming back.
    this.environment = testNodeEnvironment({ ...options, env: { VIGIL_LOG_LEVEL: 'info', ...options.env } });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(unscaledTimeoutMs = 30_000): Promise<void> {
    const timeoutMs = scaled(unscaledTimeoutMs);
    const child = spawn(this.nodeBinary, [...this.nodeArguments, vigilBin, 'start'], {
      env: { ...process.env, ...this.environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node did not become ready in ${timeoutMs} ms:\n${this.output.slice(-3000)}`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        this.output += chunk.toString();
        const ready = this.output.match(/"port":(\d+),[^\n]*"msg":"vigil node ready"/);
        if (ready) {
          this.port = Number(ready[1]);
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`node exited (${code ?? signal}) before ready:\n${this.output.slice(-3000)}`));
      });
    });
  }

  /** Calls `listener` with the exit code when the current process exits. */
  onExit(listener: (code: number | null) => void): void {
    this.child?.once('exit', (code) => listener(code));
  }

  /** Sends `signal` and resolves when the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  /** GET `path` from the node, with the test admin token. */
  async url(path: string): Promise<Response> {
    return fetch(`http://127.0.0.1:${this.port}${path}`, { headers: authorization() });
  }
}
