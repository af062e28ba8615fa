import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NATS_URL } from './isolation.ts';

const vigil = fileURLToPath(new URL('../../bin/vigil.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `vigil` command against an isolated database and namespace; `env` adds or overrides variables. */
export function runVigil(isolation: { databaseUrl: string; namespace: string }, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [vigil, ...args], {
    env: { ...process.env, DATABASE_URL: isolation.databaseUrl, NATS_URL, VIGIL_NAMESPACE: isolation.namespace, VIGIL_LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout: stdout.trim(), stderr })));
}
