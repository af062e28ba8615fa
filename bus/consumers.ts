import { AckPolicy, DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders, nanos } from '@nats-io/transport-node';
import type { Bus } from './connection.ts';
import { BusError } from './errors.ts';
import { groupNamePattern } from './subjects.ts';

/** A message as handlers see it. */
export interface DeliveredMessage {
  subject: string;
  data: Uint8Array;
  /** Stream sequence. */
  sequence: number;
  /** 1 on first delivery; grows with each redelivery. */
  deliveryCount: number;
}

/** How long a delivered work-queue message may stay unacknowledged before JetStream redelivers it. */
const DEFAULT_ACK_WAIT_MS = 30_000;

export type MessageHandler = (message: DeliveredMessage) => Promise<void>;

/**
 * `work-queue`: each message handled once per named group across every node (one shared durable
 * JetStream consumer). `broadcast`: every subscribing node handles every message (an ordered
 * ephemeral consumer per subscriber, starting at new messages).
 */
export type Delivery = { mode: 'work-queue'; group: string } | { mode: 'broadcast' };

export interface ConsumeOptions {
  stream: string;
  filterSubject: string;
  delivery: Delivery;
  handler: MessageHandler;
  /** After this many failed deliveries the message is parked (published on `<ns>.parked.<group>`) and dropped. Default 5. */
  maxDeliveries?: number;
  /** Redelivery delay after the n-th failure: `backoffMs * 2^(n-1)`, capped at 30 s. Default 500. */
  backoffMs?: number;
  /** A work-queue message not acked within this long is redelivered (handler or node died). Default 30 s. */
  ackWaitMs?: number;
  /** Where a new work-queue group starts: new messages only (default) or the whole retained stream. */
  startAt?: 'new' | 'all';
  /** Messages handled at once by this subscriber. Default 1 (in stream order). */
  concurrency?: number;
  onError?: (error: unknown, message: DeliveredMessage, parked: boolean) => void;
}

/**
 * Told about redeliveries and parked messages (metrics). `group` is asked once per subscription
 * (every broadcast subscriber reports as group `broadcast`); what it returns is called per event.
 */
export interface DeliveryObserver {
  group(group: string): { redelivered(): void; parked(): void };
}

export interface Subscription {
  /** Stops pulling; resolves once in-flight handlers finished (their messages are acked or nak'ed). */
  stop(): Promise<void>;
}

/**
 * Consumes a stream with at-least-once delivery: a message is acked only after its handler
 * resolved; a failing handler is retried with exponential backoff; after `maxDeliveries` the
 * message is parked where an operator can see it. Handlers must be idempotent.
 */
export async function consume(bus: Bus, options: ConsumeOptions): Promise<Subscription> {
  const maxDeliveries = options.maxDeliveries ?? 5;
  const backoffMs = options.backoffMs ?? 500;
  const ackWaitMs = options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
  const { delivery } = options;
  // Broadcast subscribers have no group; a random name keeps their parked messages apart.
  const group = delivery.mode === 'work-queue' ? delivery.group : `broadcast-${Math.random().toString(36).slice(2, 10)}`;
  if (delivery.mode === 'work-queue' && !groupNamePattern.test(delivery.group)) throw BusError.invalidGroup(delivery.group);
  const observed = bus.deliveries?.group(delivery.mode === 'work-queue' ? delivery.group : 'broadcast');

  const consumer =
    delivery.mode === 'work-queue'
      ? await durableConsumer(bus, options, delivery.group)
      : await bus.js.consumers.get(options.stream, { filter_subjects: options.filterSubject, deliver_policy: DeliverPolicy.New });

  const park = async (message: DeliveredMessage, error: unknown) => {
    const h = natsHeaders();
    h.set('Vigil-Original-Subject', message.subject);
    h.set('Vigil-Original-Sequence', String(message.sequence));
    h.set('Vigil-Group', group);
    h.set('Vigil-Deliveries', String(message.deliveryCount));
    // Header values are single lines.
    h.set('Vigil-Error', String((error as Error)?.message ?? error).replace(/\s+/g, ' ').slice(0, 1000));
    // One parked copy per (group, stream message), however often parking is retried.
    await bus.js.publish(bus.subjects.parked(group), message.data.slice(), { headers: h, msgID: `${group}:${message.sequence}` });
  };

  const handle = async (msg: JsMsg) => {
    const message: DeliveredMessage = {
      subject: msg.subject,
      data: msg.data,
      sequence: msg.seq,
      deliveryCount: delivery.mode === 'work-queue' ? msg.info.deliveryCount : 1,
    };
    for (;;) {
      if (message.deliveryCount > 1) observed?.redelivered();
      // A handler slower than the ack wait would be redelivered while still running: tell
      // JetStream it is in progress every third of the ack wait.
      const inProgress = delivery.mode === 'work-queue' ? setInterval(() => msg.working(), Math.max(100, ackWaitMs / 3)) : undefined;
      try {
        if (message.deliveryCount > maxDeliveries) throw new Error(`delivered ${message.deliveryCount} times without success`);
        await options.handler(message);
        clearInterval(inProgress);
        if (delivery.mode === 'work-queue') msg.ack();
        return;
      } catch (error) {
        clearInterval(inProgress);
        // A message that can never succeed (it fails validation) is parked at once.
        const parked = message.deliveryCount >= maxDeliveries || (error as { permanent?: unknown })?.permanent === true;
        options.onError?.(error, message, parked);
        const delay = Math.min(backoffMs * 2 ** (message.deliveryCount - 1), 30_000);
        if (parked) {
          try {
            await park(message, error);
            observed?.parked();
            if (delivery.mode === 'work-queue') msg.term();
            return;
          } catch (parkError) {
            // Not parked: keep the message on the stream rather than lose it.
            options.onError?.(parkError, message, false);
            if (delivery.mode === 'work-queue') return msg.nak(delay);
          }
        }
        if (delivery.mode === 'work-queue') {
          msg.nak(delay);
          return;
        }
        // Broadcast messages are not redelivered by JetStream: retry here.
        await new Promise((resolve) => setTimeout(resolve, delay));
        message.deliveryCount++;
      }
    }
  };

  const concurrency = Math.max(1, options.concurrency ?? 1);
  // Work-queue messages waiting in this client's buffer use up their ack wait: keep the buffer
  // small, or a slow subscriber sees its buffered messages redelivered to others before it
  // even starts on them. Broadcast (no acks) can read ahead freely.
  const bufferSize = delivery.mode === 'work-queue' ? Math.max(8, concurrency * 4) : Math.max(100, concurrency * 2);
  const messages = await consumer.consume({ max_messages: bufferSize });
  const inFlight = new Set<Promise<void>>();
  const loop = (async () => {
    for await (const msg of messages) {
      const task = handle(msg).finally(() => inFlight.delete(task));
      inFlight.add(task);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
  })();

  return {
    stop: async () => {
      await messages.close().catch(() => undefined);
      await loop.catch(() => undefined);
      await Promise.allSettled(inFlight);
    },
  };
}

async function durableConsumer(bus: Bus, options: ConsumeOptions, group: string) {
  const name = bus.subjects.durable(group);
  const config = {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    filter_subject: options.filterSubject,
    deliver_policy: options.startAt === 'all' ? DeliverPolicy.All : DeliverPolicy.New,
    // Vigil counts deliveries itself and parks; JetStream must keep redelivering until then.
    max_deliver: -1,
    ack_wait: nanos(options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS),
    max_ack_pending: 10_000,
  };
  const existing = await bus.jsm.consumers.info(options.stream, name).catch(() => null);
  if (existing === null) {
    await bus.jsm.consumers.add(options.stream, config).catch(async (error) => {
      // Another node created it at the same moment: fine if it now exists.
      if ((await bus.jsm.consumers.info(options.stream, name).catch(() => null)) === null) throw error;
    });
  } else if (existing.config.filter_subject !== options.filterSubject) {
    throw new BusError('INVALID_GROUP', `group "${group}" already consumes ${existing.config.filter_subject} on ${options.stream}; a group has one filter`);
  }
  return bus.js.consumers.get(options.stream, name);
}
