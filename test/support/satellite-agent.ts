import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const agentBin = fileURLToPath(new URL('../../bin/vigil-satellite.js', import.meta.url));

/** A real `vigil-satellite` process (heartbeat every second), with its output so far. */
export interface AgentProcess {
  readonly child: ChildProcess;
  readonly output: string;
  /** SIGKILL; resolves when it is gone. */
  kill(): Promise<void>;
}

/**
 * Starts the agent with `token` against `ports` (tried in order, as `VIGIL_GATEWAYS`), on
 * `nodeBinary` (default: the Node.js running the tests).
 */
export function startAgentProcess(token: string, ports: number[], env: Record<string, string> = {}, nodeBinary = process.execPath): AgentProcess {
  const child = spawn(nodeBinary, [agentBin], {
    env: { ...process.env, VIGIL_SATELLITE_TOKEN: token, VIGIL_GATEWAYS: ports.map((port) => `ws://127.0.0.1:${port}`).join(','), VIGIL_SATELLITE_HEARTBEAT_MS: '1000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  return {
    child,
    get output() {
      return output;
    },
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The agent's JSON log lines in `output` (its other output, such as the messages on stderr, skipped). */
export function agentLogLines(output: string): Array<Record<string, unknown> & { level: string; msg: string }> {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown> & { level: string; msg: string });
}
