import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { VigilNode } from '../../node/index.ts';
import { NATS_URL, TEST_ADMIN_TOKEN } from './isolation.ts';

const vigil = fileURLToPath(new URL('../../bin/vigil.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `vigil` command against an isolated database and namespace, talking to the test
 * node (`isolation.node`, else `VIGIL_URL` in `env`) with the test admin token; `env` adds or
 * overrides variables.
 */
export function runVigil(isolation: { databaseUrl: string; namespace: string; readonly node?: VigilNode }, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const nodeUrl = 'node' in isolation ? { VIGIL_URL: `http://127.0.0.1:${isolation.node!.http.port}` } : {};
  const child = spawn(process.execPath, [vigil, ...args], {
    env: { ...process.env, DATABASE_URL: isolation.databaseUrl, NATS_URL, VIGIL_NAMESPACE: isolation.namespace, VIGIL_LOG_LEVEL: 'silent', VIGIL_TOKEN: TEST_ADMIN_TOKEN, ...nodeUrl, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout: stdout.trim(), stderr })));
}
