import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NATS_URL } from './isolation.ts';

const script = fileURLToPath(new URL('./work-queue-subscriber.ts', import.meta.url));

/**
 * Starts `work-queue-subscriber.ts` as its own process in work-queue group `group`; resolves
 * once it is subscribed. `env` adds settings such as `IDEMPOTENT` and `ACK_WAIT_MS`.
 */
export function startSubscriber(options: { name: string; group: string; databaseUrl: string; namespace: string; env?: Record<string, string> }): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      NATS_URL,
      NAMESPACE: options.namespace,
      GROUP: options.group,
      SUBSCRIBER: options.name,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('subscribed') && resolve(child));
    child.once('exit', (code) => reject(new Error(`subscriber ${options.name} exited with ${code}`)));
  });
}
