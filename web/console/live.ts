import { currentToken } from './session.ts';

/**
 * The console's live feed: one WebSocket to `/stream/v1` (docs/PROTOCOL.md, "Live stream")
 * subscribed to the kinds the pages show. Pages register what they care about and re-fetch when a
 * change of one of those kinds arrives. It keeps the newest cursor and reconnects with `resume`, so
 * nothing is missed across a reconnect; `reset` (the cursor is too old) tells every page to reload.
 * When the stream cannot be opened (a node without it, a proxy refusing WebSockets) the feed polls:
 * every listener is told to reload every POLL_MS, and the socket is tried again in the background.
 */
export type FeedMode = 'connecting' | 'live' | 'polling';
export interface FeedEvent {
  /** null: reload everything (a reset, a poll, a reconnect without a cursor). */
  kind: string | null;
  id: string | null;
}

const KINDS = ['system', 'health', 'incident', 'satellite', 'maintenance', 'check', 'automation', 'automation_run', 'automation_scope'];
const POLL_MS = 3_000;
const RETRY_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

type Listener = (event: FeedEvent) => void;

class LiveFeed {
  mode: FeedMode = 'connecting';
  private readonly listeners = new Set<{ kinds: Set<string>; listener: Listener }>();
  private readonly modeListeners = new Set<(mode: FeedMode) => void>();
  private socket: WebSocket | null = null;
  private cursor: string | null = null;
  private failures = 0;
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private started = false;

  /** Calls `listener` for each change of one of `kinds` (and for every reload); returns the unsubscribe. */
  subscribe(kinds: string[], listener: Listener): () => void {
    const entry = { kinds: new Set(kinds), listener };
    this.listeners.add(entry);
    this.start();
    return () => this.listeners.delete(entry);
  }

  onMode(listener: (mode: FeedMode) => void): () => void {
    this.modeListeners.add(listener);
    return () => this.modeListeners.delete(listener);
  }

  /** Closes the socket (sign-out); the next subscribe opens it again. */
  stop(): void {
    this.started = false;
    this.cursor = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.stopPolling();
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'signed out');
    this.setMode('connecting');
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.connect();
  }

  private connect(): void {
    const token = currentToken();
    if (!token || !this.started) return;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/stream/v1`;
    let subscribed = false;
    let socket: WebSocket;
    try {
      socket = new WebSocket(url);
    } catch {
      return this.failed();
    }
    this.socket = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'subscribe', token, kinds: KINDS, ...(this.cursor ? { resume: this.cursor } : {}) }));
    };
    socket.onmessage = (message) => {
      let frame: { type?: string; cursor?: string; change?: { kind?: string; id?: string } };
      try {
        frame = JSON.parse(String(message.data));
      } catch {
        return;
      }
      if (frame.type === 'subscribed') {
        const resumed = this.cursor !== null;
        subscribed = true;
        this.failures = 0;
        this.stopPolling();
        this.setMode('live');
        if (frame.cursor) this.cursor = frame.cursor;
        // Without a cursor to resume from, anything may have changed since the pages loaded.
        if (!resumed) this.emit({ kind: null, id: null });
      } else if (frame.type === 'change' && frame.change) {
        if (frame.cursor) this.cursor = frame.cursor;
        this.emit({ kind: frame.change.kind ?? null, id: frame.change.id ?? null });
      } else if (frame.type === 'trigger') {
        if (frame.cursor) this.cursor = frame.cursor;
      } else if (frame.type === 'reset') {
        // The resume cursor was too old: something was missed. Reload, then go on after this cursor.
        this.cursor = frame.cursor ?? null;
        this.emit({ kind: null, id: null });
      }
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      // 4401: the token was refused (the API calls will sign the tab out); 4503: the node cannot serve
      // the stream now. Both, and a stream that never opened, poll and retry with a back-off; any
      // other close of a working stream (4000 shutdown, 4008 too slow, a network drop) resumes at once.
      if (!subscribed || event.code === 4401 || event.code === 4503) this.failed();
      else this.retry(0);
    };
  }

  private failed(): void {
    this.failures++;
    this.startPolling();
    this.retry(RETRY_MS[Math.min(this.failures - 1, RETRY_MS.length - 1)]!);
  }

  private retry(delay: number): void {
    if (!this.started) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private startPolling(): void {
    this.setMode('polling');
    if (this.pollTimer) return;
    this.pollTimer = setInterval(() => this.emit({ kind: null, id: null }), POLL_MS);
  }

  private stopPolling(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

  private setMode(mode: FeedMode): void {
    if (this.mode === mode) return;
    this.mode = mode;
    for (const listener of this.modeListeners) listener(mode);
  }

  private emit(event: FeedEvent): void {
    for (const { kinds, listener } of this.listeners) if (event.kind === null || kinds.has(event.kind)) listener(event);
  }
}

export const liveFeed = new LiveFeed();
