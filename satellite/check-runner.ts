import { connect } from 'node:net';
import type { CheckStrategy } from '../protocol/satellite-protocol.ts';
import { toStorableText } from '../protocol/storable-text.ts';

export interface CheckOutcome {
  status: 'up' | 'down';
  latencyMs: number;
  detail: string;
}

/** Runs one check once; never throws (a failure is a `down` outcome with the reason). */
export async function runCheck(strategy: CheckStrategy): Promise<CheckOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    if (strategy.kind === 'http') {
      const response = await fetch(strategy.url, { method: strategy.method, signal: AbortSignal.timeout(strategy.timeoutMs), redirect: 'manual' });
      await response.body?.cancel();
      const up = response.status === strategy.expectedStatus;
      return { status: up ? 'up' : 'down', latencyMs: elapsed(), detail: up ? '' : `HTTP ${response.status}, expected ${strategy.expectedStatus}` };
    }
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: strategy.host, port: strategy.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no connection within ${strategy.timeoutMs} ms`));
      }, strategy.timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.destroy();
        resolve();
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    return { status: 'up', latencyMs: elapsed(), detail: '' };
  } catch (error) {
    return { status: 'down', latencyMs: elapsed(), detail: toStorableText(String((error as Error).message ?? error), 2000) };
  }
}
