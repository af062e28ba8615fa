import type { Bus } from './connection.ts';
import { BusError } from './errors.ts';

export interface OutgoingMessage {
  subject: string;
  /** Fresh bytes per message: nats.js keeps a reference until flushed, so never reuse a buffer. */
  data: Uint8Array;
  /** `Nats-Msg-Id`: JetStream drops a second message with this id within the duplicate window. */
  messageId: string;
}

/**
 * Publishes every message to JetStream, all in flight at once (one round trip per batch, not per
 * message), in the given order on one connection. Resolves when JetStream acknowledged (stored)
 * every one — a duplicate counts as acknowledged. Rejects with `BusError` if any was not.
 */
export async function publishAll(bus: Bus, messages: OutgoingMessage[], timeoutMs = 5_000): Promise<void> {
  const results = await Promise.allSettled(
    messages.map((message) => bus.js.publish(message.subject, message.data, { msgID: message.messageId, timeout: timeoutMs })),
  );
  const failure = results.findIndex((result) => result.status === 'rejected');
  if (failure >= 0) {
    throw BusError.publishFailed(messages[failure]!.subject, (results[failure] as PromiseRejectedResult).reason);
  }
}
