import WebSocket from 'ws';
import { LIVE_STREAM_PATH } from '../../protocol/live-stream-protocol.ts';
import { waitFor } from './stream-reader.ts';

/** A frame of the live stream, parsed. */
export type LiveFrame = Record<string, unknown> & { type: string; cursor?: string };

export interface LiveClient {
  ws: WebSocket;
  /** Every frame received so far. */
  frames: LiveFrame[];
  /** Resolves with the close code. */
  closed: Promise<number>;
  /** Sends one text frame. */
  send(frame: unknown): void;
  /** Resolves with the first frame (received so far or later) that `match` accepts. */
  frame(match: (frame: LiveFrame) => boolean, what: string, timeoutMs?: number): Promise<LiveFrame>;
  /** The entity changes received, in order. */
  changes(): Array<{ kind: string; id: string; version: number } & Record<string, unknown>>;
  /** The cursor of the newest frame that carried one. */
  lastCursor(): string | undefined;
}

/** A browser-like client of `/stream/v1` (the `ws` package), for gateway tests. */
export function connectLive(port: number): Promise<LiveClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${LIVE_STREAM_PATH}`);
    const frames: LiveFrame[] = [];
    const closed = new Promise<number>((resolveClose) => ws.on('close', (code) => resolveClose(code)));
    ws.on('message', (data) => frames.push(JSON.parse(String(data)) as LiveFrame));
    ws.on('error', reject);
    ws.on('open', () =>
      resolve({
        ws,
        frames,
        closed,
        send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
        frame: (match, what, timeoutMs = 15_000) => waitFor(() => frames.find(match), timeoutMs, what),
        changes: () => frames.filter((frame) => frame.type === 'change').map((frame) => frame.change as { kind: string; id: string; version: number }),
        lastCursor: () => [...frames].reverse().find((frame) => typeof frame.cursor === 'string')?.cursor,
      }),
    );
  });
}

/** Connects and subscribes; resolves once `subscribed` arrived. */
export async function subscribeLive(port: number, subscribe: Record<string, unknown>): Promise<LiveClient> {
  const client = await connectLive(port);
  client.send({ type: 'subscribe', ...subscribe });
  await client.frame((frame) => frame.type === 'subscribed', 'subscribed');
  return client;
}
