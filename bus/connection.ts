import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { natsConnectionOptions, type NatsAuthSettings } from './connection-options.ts';
import { BusError } from './errors.ts';
import { subjectsFor, type Subjects } from './subjects.ts';
import type { DeliveryObserver } from './consumers.ts';

/** A node's link to NATS: the core connection, JetStream, and the namespace's names. */
export interface Bus {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly subjects: Subjects;
  /** Counts redeliveries and parked messages of the consumers on this connection (metrics); absent: not counted. */
  readonly deliveries?: DeliveryObserver;
  /** False between a disconnect and the next reconnect. */
  isConnected(): boolean;
  close(): Promise<void>;
}

export interface BusOptions {
  servers: string;
  namespace: string;
  /** Connection name shown by the NATS server (monitoring, `nats server report connections`). */
  name: string;
  /** How to authenticate (and TLS, inbox prefix); none: anonymous. */
  auth?: NatsAuthSettings;
  /** See `Bus.deliveries`. */
  deliveries?: DeliveryObserver;
}

/**
 * Connects (authenticating as `options.auth` says) and keeps reconnecting forever: while NATS is away, publishes fail (the outbox keeps
 * the changes) and consumers pause; they resume on reconnect. Rejects with `BusError` only if
 * the first connection cannot be made.
 */
export async function connectBus(options: BusOptions): Promise<Bus> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: options.servers.split(',').map((server) => server.trim()),
      name: options.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      noAsyncTraces: true,
      ...natsConnectionOptions(options.auth),
    });
  } catch (error) {
    throw new BusError('BUS_UNAVAILABLE', `cannot connect to NATS at ${redactServers(options.servers)}: ${(error as Error).message}`, { cause: error });
  }
  let connected = true;
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') connected = false;
      else if (status.type === 'reconnect') connected = true;
    }
  })();
  const js = jetstream(nc, { timeout: 5_000 });
  const jsm = await jetstreamManager(nc, { timeout: 5_000 });
  return {
    nc,
    js,
    jsm,
    subjects: subjectsFor(options.namespace),
    deliveries: options.deliveries,
    isConnected: () => connected && !nc.isClosed(),
    close: async () => {
      await nc.drain().catch(() => nc.close());
    },
  };
}

/** Server URLs for messages: credentials written into a URL (`nats://user:pass@host`) are masked. */
export function redactServers(servers: string): string {
  // Greedy up to the last "@" of each URL: a password may contain "@" too.
  return servers.replace(/\/\/[^/,\s]*@/g, '//[redacted]@');
}
