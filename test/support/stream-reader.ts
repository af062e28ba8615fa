import { scaled } from './time-scale.ts';
import { DeliverPolicy } from '@nats-io/jetstream';
import type { Bus } from '../../bus/index.ts';

/** Every message currently on `stream` matching `filter`, read with an ordered consumer from the start. */
export async function readStream(bus: Bus, stream: string, filter: string): Promise<Array<{ subject: string; json: unknown; messageId?: string }>> {
  const info = await bus.jsm.streams.info(stream);
  const total = info.state.messages;
  const consumer = await bus.js.consumers.get(stream, { filter_subjects: filter, deliver_policy: DeliverPolicy.All });
  const out: Array<{ subject: string; json: unknown; messageId?: string }> = [];
  if (total === 0) return out;
  const messages = await consumer.fetch({ max_messages: total, expires: 2_000 });
  for await (const message of messages) {
    out.push({ subject: message.subject, json: message.json(), messageId: message.headers?.get('Nats-Msg-Id') });
    if (message.info.pending === 0) break;
  }
  return out;
}

export async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, unscaledTimeoutMs = 15_000, what = 'condition'): Promise<T> {
  const timeoutMs = scaled(unscaledTimeoutMs);
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * Waits until `count()` reaches `target`, failing only when it stopped moving for `stallMs`: a
 * slow machine (the whole suite on two cores) gets the time it needs, a stuck pipeline still fails.
 */
export async function waitForCount(count: () => Promise<number>, target: number, stallMs: number, what: string): Promise<void> {
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    const current = await count();
    if (current >= target) return;
    if (current !== last) {
      last = current;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > scaled(stallMs)) {
      throw new Error(`${what}: stuck at ${current} of ${target} for ${stallMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
