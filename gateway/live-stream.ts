import type { WebSocket } from 'uWebSockets.js';
import type { ApiRouter } from './api-router.ts';
import type { Logger } from 'pino';
import { AuthError, roleAtLeast, type TokenAuthenticator } from '../auth/index.ts';
import { entityChangeSchema, entityKinds, triggerMessageSchema, type EntityChange, type TriggerMessage } from '../machines/index.ts';
import {
  LIVE_STREAM_PATH,
  LiveStreamCloseCode,
  decodeCursor,
  encodeCursor,
  liveSubscribeSchema,
  type LiveCursor,
  type LiveServerFrame,
  type LiveSubscribe,
} from '../protocol/live-stream-protocol.ts';
import { changeMatches, systemsOfChange, systemsOfTrigger, triggerMatches, type LiveFilter } from './live-filter.ts';

/** The two streams a live client follows. */
export type LiveStreamName = 'entity' | 'trigger';

/** A message of one of the two streams (see `bus/stream-tail.ts`). */
export interface LiveMessage {
  sequence: number;
  data: Uint8Array;
}

/** Where the live stream reads from: the node's shared tails and short-lived range readers (`node/live-feed.ts`). */
export interface LiveSource {
  /** Sequence of the last message the shared tail of `stream` handed to `LiveStream.deliver`. */
  position(stream: LiveStreamName): number;
  /** First and last sequence the stream holds now. */
  bounds(stream: LiveStreamName): Promise<{ first: number; last: number }>;
  /** Reads `stream` from `fromSequence` on, at most `max` messages per `next`. */
  read(stream: LiveStreamName, fromSequence: number): Promise<{ next(max: number): Promise<LiveMessage[]>; close(): Promise<void> }>;
}

export interface LiveStreamOptions {
  authenticator: Pick<TokenAuthenticator, 'verify'>;
  source: LiveSource;
  log: Logger;
  /** A socket without a valid `subscribe` frame this long after opening is closed with 4401, ms. */
  subscribeTimeoutMs: number;
  /** How often the tokens of open streams are checked again (revoked or expired: closed with 4401), ms. */
  tokenRecheckMs: number;
  /** Output waiting for one client above this is too slow: closed with 4008, bytes. */
  maxBufferedBytes: number;
  /** Catch-up reads (resumes) running at once on this node; more wait their turn. Default 8. */
  maxConcurrentCatchUps?: number;
  /** A catch-up waiting this long for its client to read is given up: closed with 4008, ms. Default 30,000. */
  catchUpStallMs?: number;
}

interface Client {
  /** waiting: for the subscribe frame; checking: its token; open: subscribed; closed: gone. */
  phase: 'waiting' | 'checking' | 'open' | 'closed';
  timer: NodeJS.Timeout | undefined;
  token: string;
  filter: LiveFilter | undefined;
  /** Per stream: the last sequence sent or skipped for this client. */
  position: LiveCursor;
  /** Per stream: the shared tail hands messages to it (false while its catch-up reads). */
  live: { entity: boolean; trigger: boolean };
  /** Resolves a catch-up waiting for the client to read. */
  onDrain: (() => void) | undefined;
}

/** A change or trigger parsed once per message, for every client. */
interface Prepared {
  sequence: number;
  /** The payload exactly as on the stream. */
  text: string;
  matches(filter: LiveFilter): boolean;
}

const decoder = new TextDecoder();
/** A socket's close handler may run during any send or await: never trust a narrowed phase. */
const isClosed = (client: Client): boolean => client.phase === 'closed';
const BATCH = 256;
/** uWS `send` result: the message was not buffered (over `maxBackpressure`). */
const DROPPED = 2;

/**
 * The live stream for browsers (`/stream/v1`, docs/PROTOCOL.md "Live stream"). A browser opens the
 * socket and sends one `subscribe` frame with its API token (role viewer) and filters; it then gets
 * every matching entity change and (optionally) trigger envelope committed after its cursor, each
 * with the cursor to resume from. The node reads each stream once (its shared tail) and fans out
 * to its clients; a resuming client first reads what it missed from JetStream, in batches, only as
 * fast as it reads its socket, and joins the fan-out at the exact sequence where its reading
 * ended: nothing missed, nothing twice, nothing buffered in the node.
 *
 * A client whose unread output passes `maxBufferedBytes` is closed with 4008 (never a gap: no frame
 * is dropped from a stream that stays open). Tokens are checked again every `tokenRecheckMs`.
 */
export class LiveStream {
  private readonly sockets = new Set<WebSocket<Client>>();
  private readonly subscribed = new Set<WebSocket<Client>>();
  private readonly subscribeSchema = liveSubscribeSchema(entityKinds);
  private readonly recheckTimer: NodeJS.Timeout;
  private catchUps = 0;
  private readonly catchUpQueue: Array<() => void> = [];
  private rechecking = false;

  constructor(private readonly options: LiveStreamOptions) {
    this.recheckTimer = setInterval(() => void this.recheckTokens(), options.tokenRecheckMs);
    this.recheckTimer.unref();
  }

  /** Subscribed clients on this node. */
  connected(): number {
    return this.subscribed.size;
  }

  /** Serves `/stream/v1` through the node's router. */
  attach(router: ApiRouter): void {
    const { options } = this;
    const route = {
      method: 'get',
      path: LIVE_STREAM_PATH,
      access: 'viewer',
      tag: 'Live stream',
      summary: 'The live stream of entity changes and trigger events for browsers (WebSocket; docs/PROTOCOL.md, "Live stream")',
      description: 'The token (role viewer) is sent in the first frame, `subscribe`, not in a header: browsers cannot set headers on a WebSocket.',
      responses: { 101: { description: 'Switching protocols: send the subscribe frame within the subscribe timeout' } },
    } as const;
    router.ws<Client>(route, {
      // A subscribe frame with 100 ids and 100 systems of 128 characters fits.
      maxPayloadLength: 64 * 1024,
      idleTimeout: 60,
      // Our own limit closes with 4008 first; uWS's (twice as high) is the safety net for one huge frame.
      maxBackpressure: options.maxBufferedBytes * 2,
      closeOnBackpressureLimit: true,
      sendPingsAutomatically: true,

      upgrade: (res, req, context) => {
        const client: Client = {
          phase: 'waiting',
          timer: undefined,
          token: '',
          filter: undefined,
          position: { entity: 0, trigger: 0 },
          live: { entity: false, trigger: false },
          onDrain: undefined,
        };
        res.upgrade(client, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
      },

      open: (ws) => {
        this.sockets.add(ws);
        const client = ws.getUserData();
        client.timer = setTimeout(
          () => this.reject(ws, LiveStreamCloseCode.Unauthenticated, 'UNAUTHENTICATED', `no subscribe frame within ${options.subscribeTimeoutMs} ms`),
          options.subscribeTimeoutMs,
        );
      },

      message: (ws, data, isBinary) => {
        const client = ws.getUserData();
        if (client.phase !== 'waiting') return this.reject(ws, LiveStreamCloseCode.ProtocolError, 'INVALID_FRAME', 'only one subscribe frame is allowed per connection');
        clearTimeout(client.timer);
        client.timer = undefined;
        let frame: LiveSubscribe;
        try {
          if (isBinary) throw new SyntaxError('binary frame');
          const parsed = this.subscribeSchema.safeParse(JSON.parse(decoder.decode(data)));
          if (!parsed.success) {
            const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(frame)'}: ${issue.message}`).join('; ');
            return this.reject(ws, LiveStreamCloseCode.ProtocolError, 'INVALID_FRAME', issues);
          }
          frame = parsed.data;
        } catch {
          return this.reject(ws, LiveStreamCloseCode.ProtocolError, 'INVALID_JSON', 'frames must be JSON text');
        }
        client.phase = 'checking';
        void this.subscribe(ws, client, frame);
      },

      drain: (ws) => {
        const client = ws.getUserData();
        const resume = client.onDrain;
        client.onDrain = undefined;
        resume?.();
      },

      close: (ws) => {
        const client = ws.getUserData();
        client.phase = 'closed';
        clearTimeout(client.timer);
        this.sockets.delete(ws);
        this.subscribed.delete(ws);
        const resume = client.onDrain;
        client.onDrain = undefined;
        resume?.();
      },
    });
  }

  /** Hands one message of the shared tail of `stream` to every client following it live. */
  deliver(stream: LiveStreamName, message: LiveMessage): void {
    if (this.subscribed.size === 0) return;
    const prepared = this.prepare(stream, message);
    for (const ws of this.subscribed) {
      const client = ws.getUserData();
      if (!client.live[stream] || message.sequence <= client.position[stream]) continue;
      if (prepared) this.offer(ws, client, stream, prepared);
      else client.position[stream] = message.sequence;
    }
  }

  /** Closes every socket (node shutdown): clients reconnect elsewhere with their cursor. */
  closeAll(): void {
    clearInterval(this.recheckTimer);
    for (const ws of [...this.sockets]) {
      if (isClosed(ws.getUserData())) continue;
      ws.end(LiveStreamCloseCode.Shutdown, 'shutdown');
    }
  }

  /** Checks the token of every open stream again (also every `tokenRecheckMs`). */
  async recheckTokens(): Promise<void> {
    if (this.rechecking || this.subscribed.size === 0) return;
    this.rechecking = true;
    try {
      const byToken = new Map<string, Array<WebSocket<Client>>>();
      for (const ws of this.subscribed) {
        const { token } = ws.getUserData();
        const list = byToken.get(token);
        if (list) list.push(ws);
        else byToken.set(token, [ws]);
      }
      for (const [token, sockets] of byToken) {
        let valid: boolean;
        try {
          valid = roleAtLeast((await this.options.authenticator.verify(token)).role, 'viewer');
        } catch (error) {
          if (!(error instanceof AuthError)) {
            this.options.log.warn({ err: error }, 'live stream token re-check failed; trying again next period');
            continue;
          }
          valid = false;
        }
        if (valid) continue;
        for (const ws of sockets) this.reject(ws, LiveStreamCloseCode.Unauthenticated, 'UNAUTHENTICATED', 'the token was revoked or expired');
      }
    } finally {
      this.rechecking = false;
    }
  }

  private async subscribe(ws: WebSocket<Client>, client: Client, frame: LiveSubscribe): Promise<void> {
    const { source, log } = this.options;
    try {
      const principal = await this.options.authenticator.verify(frame.token);
      if (!roleAtLeast(principal.role, 'viewer')) throw AuthError.invalidToken();
    } catch (error) {
      if (error instanceof AuthError) return this.reject(ws, LiveStreamCloseCode.Unauthenticated, 'UNAUTHENTICATED', 'missing, invalid, revoked or expired token');
      log.warn({ err: error }, 'live stream: token check failed');
      return this.reject(ws, LiveStreamCloseCode.Unavailable, 'UNAVAILABLE', 'the token cannot be checked now; try again later');
    }
    if (isClosed(client)) return;
    client.token = frame.token;
    client.filter = {
      kinds: frame.kinds ? new Set(frame.kinds) : null,
      ids: frame.ids ? new Set(frame.ids) : null,
      systems: frame.systems ? new Set(frame.systems) : null,
      triggers: frame.triggers ?? false,
    };
    const now = { entity: source.position('entity'), trigger: source.position('trigger') };
    const goLive = (cursor: LiveCursor) => {
      client.position = { ...cursor };
      client.live = { entity: true, trigger: true };
      client.phase = 'open';
      this.subscribed.add(ws);
    };
    if (frame.resume === undefined) {
      goLive(now);
      this.send(ws, client, { type: 'subscribed', cursor: encodeCursor(now) });
      return;
    }
    const from = decodeCursor(frame.resume);
    // A client without triggers needs no trigger catch-up: it starts at the present there.
    if (!client.filter.triggers) from.trigger = now.trigger;
    let bounds;
    try {
      bounds = { entity: await source.bounds('entity'), trigger: await source.bounds('trigger') };
    } catch (error) {
      log.warn({ err: error }, 'live stream: cannot read the stream bounds for a resume');
      return this.reject(ws, LiveStreamCloseCode.Unavailable, 'UNAVAILABLE', 'the streams cannot be read now; try again later');
    }
    if (isClosed(client)) return;
    // Too old (messages after it are gone) or not from these streams (beyond their end).
    const usable = (stream: LiveStreamName) =>
      from[stream] >= bounds[stream].first - 1 && from[stream] <= Math.max(bounds[stream].last, source.position(stream));
    if (!usable('entity') || !usable('trigger')) {
      const present = { entity: source.position('entity'), trigger: source.position('trigger') };
      goLive(present);
      this.send(ws, client, { type: 'subscribed', cursor: encodeCursor(present) });
      this.send(ws, client, { type: 'reset', cursor: encodeCursor(present) });
      return;
    }
    client.position = { ...from };
    client.live = { entity: false, trigger: false };
    client.phase = 'open';
    this.subscribed.add(ws);
    this.send(ws, client, { type: 'subscribed', cursor: encodeCursor(from) });
    await this.withCatchUpSlot(async () => {
      for (const stream of ['entity', 'trigger'] as const) {
        if (isClosed(client)) return;
        try {
          await this.catchUp(ws, client, stream);
        } catch (error) {
          log.warn({ err: error, stream }, 'live stream: catch-up read failed');
          return this.reject(ws, LiveStreamCloseCode.Unavailable, 'UNAVAILABLE', 'the stream cannot be read now; reconnect with your cursor');
        }
      }
    });
  }

  /**
   * Reads `stream` for this client from its position up to the shared tail's, then marks it
   * live — in the same synchronous step as the last comparison, so the tail's next message (the
   * first above that position) goes to it and nothing in between is lost or sent twice. A message
   * the read saw before the tail did is skipped by the tail (`sequence <= position`).
   */
  private async catchUp(ws: WebSocket<Client>, client: Client, stream: LiveStreamName): Promise<void> {
    const { source } = this.options;
    let range: Awaited<ReturnType<LiveSource['read']>> | undefined;
    let first = true;
    try {
      for (;;) {
        if (isClosed(client)) return;
        const target = source.position(stream);
        if (client.position[stream] >= target) {
          client.live[stream] = true;
          return;
        }
        if (ws.getBufferedAmount() > this.options.maxBufferedBytes / 2) {
          await this.drained(ws, client);
          continue;
        }
        range ??= await source.read(stream, client.position[stream] + 1);
        const batch = await range.next(Math.min(BATCH, target - client.position[stream]));
        if (isClosed(client)) return;
        // Retention removed the messages right after the cursor since the bounds were read.
        if (first && batch.length > 0 && batch[0]!.sequence > client.position[stream] + 1) {
          this.send(ws, client, { type: 'reset', cursor: encodeCursor({ ...client.position, [stream]: batch[0]!.sequence - 1 }) });
        }
        first = false;
        ws.cork(() => {
          for (const message of batch) {
            if (isClosed(client) || message.sequence <= client.position[stream]) continue;
            const prepared = this.prepare(stream, message);
            if (prepared) this.offer(ws, client, stream, prepared);
            else client.position[stream] = message.sequence;
          }
        });
      }
    } finally {
      void range?.close();
    }
  }

  /** Resolves when the client has read its output (uWS `drain`) or closed; closes it with 4008 after `catchUpStallMs`. */
  private drained(ws: WebSocket<Client>, client: Client): Promise<void> {
    return new Promise((resolve) => {
      const stall = setTimeout(() => this.tooSlow(ws, client), this.options.catchUpStallMs ?? 30_000);
      client.onDrain = () => {
        clearTimeout(stall);
        resolve();
      };
    });
  }

  private async withCatchUpSlot(task: () => Promise<void>): Promise<void> {
    if (this.catchUps >= (this.options.maxConcurrentCatchUps ?? 8)) await new Promise<void>((resolve) => this.catchUpQueue.push(resolve));
    else this.catchUps++;
    try {
      await task();
    } finally {
      const next = this.catchUpQueue.shift();
      if (next) next();
      else this.catchUps--;
    }
  }

  /** Parses a stream message once for every client; undefined (skipped, logged) when it breaks the contract. */
  private prepare(stream: LiveStreamName, message: LiveMessage): Prepared | undefined {
    const text = decoder.decode(message.data);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (stream === 'entity') {
      const parsed = entityChangeSchema.safeParse(json);
      if (!parsed.success) return this.invalid(stream, message);
      const change: EntityChange = parsed.data;
      let systems: string[] | undefined;
      return { sequence: message.sequence, text, matches: (filter) => changeMatches(filter, change, () => (systems ??= systemsOfChange(change))) };
    }
    const parsed = triggerMessageSchema.safeParse(json);
    if (!parsed.success) return this.invalid(stream, message);
    const trigger: TriggerMessage = parsed.data;
    let systems: string[] | undefined;
    return { sequence: message.sequence, text, matches: (filter) => triggerMatches(filter, trigger, () => (systems ??= systemsOfTrigger(trigger))) };
  }

  private invalid(stream: LiveStreamName, message: LiveMessage): undefined {
    this.options.log.warn({ stream, sequence: message.sequence }, 'live stream: a stream message does not match the contract; skipped');
    return undefined;
  }

  /** Moves the client past this message and sends it when its filter matches. */
  private offer(ws: WebSocket<Client>, client: Client, stream: LiveStreamName, prepared: Prepared): void {
    client.position[stream] = prepared.sequence;
    if (!prepared.matches(client.filter!)) return;
    const cursor = encodeCursor(client.position);
    // The payload goes out as it is on the stream, not re-serialized.
    const frame = stream === 'entity' ? `{"type":"change","cursor":"${cursor}","change":${prepared.text}}` : `{"type":"trigger","cursor":"${cursor}","trigger":${prepared.text}}`;
    this.sendText(ws, client, frame);
  }

  private send(ws: WebSocket<Client>, client: Client, frame: LiveServerFrame): void {
    this.sendText(ws, client, JSON.stringify(frame));
  }

  /** Sends one frame; a client over the output limit is closed (4008) rather than ever missing a frame. */
  private sendText(ws: WebSocket<Client>, client: Client, text: string): void {
    if (isClosed(client)) return;
    const result = ws.send(text, false);
    if (result === DROPPED || ws.getBufferedAmount() > this.options.maxBufferedBytes) this.tooSlow(ws, client);
  }

  private tooSlow(ws: WebSocket<Client>, client: Client): void {
    if (isClosed(client)) return;
    this.options.log.debug({ buffered: ws.getBufferedAmount() }, 'live stream client too slow; closed');
    ws.end(LiveStreamCloseCode.TooSlow, 'too slow');
  }

  private reject(ws: WebSocket<Client>, code: LiveStreamCloseCode, error: string, message: string): void {
    const client = ws.getUserData();
    if (isClosed(client)) return;
    this.send(ws, client, { type: 'error', code: error, message });
    if (isClosed(client)) return;
    ws.end(code, error);
  }
}
