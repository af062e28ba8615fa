import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import type { Bus } from './connection.ts';
import { BusError } from './errors.ts';

/** A stream message as the live stream sees it. */
export interface TailMessage {
  subject: string;
  /** Stream sequence. */
  sequence: number;
  data: Uint8Array;
}

/** The sequences a stream holds now: `first` to `last` (an empty stream: `first === last + 1`). */
export interface StreamBounds {
  first: number;
  last: number;
}

/** What a stream holds now; rejects with `BusError` BUS_UNAVAILABLE. */
export async function streamBounds(bus: Bus, stream: string): Promise<StreamBounds> {
  try {
    const info = await bus.jsm.streams.info(stream);
    return { first: info.state.first_seq, last: info.state.last_seq };
  } catch (error) {
    throw new BusError('BUS_UNAVAILABLE', `cannot read the bounds of stream ${stream}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * One ordered (ephemeral, unacknowledged) consumer reading a stream from its end on, handing every
 * message to one listener synchronously, in sequence order. `position` is the sequence of the last
 * message handed over (at start: the stream's last sequence then), so a reader that has read up to
 * `position` itself and then listens misses nothing and sees nothing twice — the handover the live
 * stream relies on. The ordered consumer re-creates itself after a NATS outage from the last
 * sequence it saw, so no message is skipped.
 */
export class StreamTail {
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private constructor(
    readonly stream: string,
    private current: number,
  ) {}

  /** Sequence of the last message handed to the listener. */
  get position(): number {
    return this.current;
  }

  /** Starts reading after the stream's current last message; rejects with `BusError` when NATS cannot answer. */
  static async start(bus: Bus, stream: string, listener: (message: TailMessage) => void, onError: (error: unknown) => void): Promise<StreamTail> {
    const { last } = await streamBounds(bus, stream);
    const tail = new StreamTail(stream, last);
    try {
      const consumer = await bus.js.consumers.get(stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: last + 1 });
      tail.messages = await consumer.consume({ max_messages: 512 });
    } catch (error) {
      throw new BusError('BUS_UNAVAILABLE', `cannot follow stream ${stream}: ${(error as Error).message}`, { cause: error });
    }
    tail.loop = (async () => {
      try {
        for await (const message of tail.messages!) {
          if (message.seq <= tail.current) continue;
          tail.current = message.seq;
          try {
            listener({ subject: message.subject, sequence: message.seq, data: message.data });
          } catch (error) {
            onError(error);
          }
        }
      } catch (error) {
        onError(error);
      }
    })();
    return tail;
  }

  async stop(): Promise<void> {
    await this.messages?.close().catch(() => undefined);
    await this.loop;
  }
}

/**
 * Reads a stream from `fromSequence` on, in batches, with a short-lived ordered consumer (the
 * catch-up of a resuming client). Nothing is read ahead: each `next` fetches at most `max`
 * messages, so a caller that waits before asking again bounds what it holds.
 */
export class StreamRange {
  private constructor(private readonly consumer: Awaited<ReturnType<Bus['js']['consumers']['get']>>) {}

  /** Rejects with `BusError` BUS_UNAVAILABLE. */
  static async open(bus: Bus, stream: string, fromSequence: number): Promise<StreamRange> {
    try {
      return new StreamRange(await bus.js.consumers.get(stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(1, fromSequence) }));
    } catch (error) {
      throw new BusError('BUS_UNAVAILABLE', `cannot read stream ${stream}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** The next messages in sequence order, at most `max`; fewer (possibly none) when `waitMs` passed first. */
  async next(max: number, waitMs = 2_000): Promise<TailMessage[]> {
    const out: TailMessage[] = [];
    try {
      const batch = await this.consumer.fetch({ max_messages: max, expires: waitMs });
      for await (const message of batch) {
        out.push({ subject: message.subject, sequence: message.seq, data: message.data });
      }
    } catch (error) {
      throw new BusError('BUS_UNAVAILABLE', `cannot read a stream: ${(error as Error).message}`, { cause: error });
    }
    return out;
  }

  /** Deletes the server-side consumer (it would expire by itself after its inactivity threshold). */
  async close(): Promise<void> {
    await this.consumer.delete().catch(() => undefined);
  }
}
