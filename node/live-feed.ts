import { StreamRange, StreamTail, streamBounds, type Bus } from '../bus/index.ts';
import { LiveStream, type LiveStreamName, type LiveStreamOptions } from '../gateway/index.ts';
import type { Logger } from './logger.ts';

/** The live stream of a node and the shared tails that feed it. */
export interface LiveFeed {
  readonly stream: LiveStream;
  /** Stops the tails (after the sockets were closed). */
  stop(): Promise<void>;
}

/**
 * Starts one ordered consumer per stream (entity, trigger) for this node, whatever the number of
 * browsers, and the live stream they feed; catch-ups of resuming browsers read through short-lived
 * ordered consumers of their own. Rejects with `BusError` when NATS cannot answer.
 */
export async function startLiveFeed(bus: Bus, log: Logger, options: Omit<LiveStreamOptions, 'source' | 'log'>): Promise<LiveFeed> {
  const names: Record<LiveStreamName, string> = { entity: bus.subjects.streams.entity, trigger: bus.subjects.streams.trigger };
  const tails: Partial<Record<LiveStreamName, StreamTail>> = {};
  const stream = new LiveStream({
    ...options,
    log,
    source: {
      position: (name) => tails[name]!.position,
      bounds: (name) => streamBounds(bus, names[name]),
      read: (name, fromSequence) => StreamRange.open(bus, names[name], fromSequence),
    },
  });
  const onError = (name: LiveStreamName) => (error: unknown) => log.warn({ err: error, stream: names[name] }, 'live stream: the shared tail failed');
  try {
    for (const name of ['entity', 'trigger'] as const) tails[name] = await StreamTail.start(bus, names[name], (message) => stream.deliver(name, message), onError(name));
  } catch (error) {
    stream.closeAll();
    await Promise.all(Object.values(tails).map((tail) => tail.stop()));
    throw error;
  }
  return {
    stream,
    stop: async () => {
      stream.closeAll();
      await Promise.all(Object.values(tails).map((tail) => tail.stop()));
    },
  };
}
