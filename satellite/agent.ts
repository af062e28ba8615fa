import WebSocket from 'ws';
import {
  SATELLITE_PATH,
  SatelliteCloseCode,
  gatewayMessageSchema,
  type Assignment,
  type SatelliteMessage,
} from '../protocol/satellite-protocol.ts';
import { readAssignmentsOneByOne } from './assignment-list.ts';
import { runCheck } from './checks/run-check.ts';
import { CheckScheduler } from './check-scheduler.ts';
import { TokenBucket } from '../protocol/token-bucket.ts';
import { resultFrame } from './result-frame.ts';
import { ResultOutbox, type ResultMessage } from './result-outbox.ts';
import type { AgentActivity } from './activity-summary.ts';
import type { Log } from './logger.ts';
import { AGENT_VERSION } from './version.ts';

/** Told to the gateway with every connection: the console shows which agent version runs where. */
const USER_AGENT = `vigil-satellite/${AGENT_VERSION} node/${process.versions.node}`;

export interface AgentOptions {
  /** `<satelliteId>.<secret>`, as printed by `vigil satellite add`. */
  token: string;
  /** Gateway base URLs (`ws://host:port`), tried in turn. */
  gateways: string[];
  heartbeatMs: number;
  /** Results kept until acknowledged (while disconnected too); the oldest are dropped beyond this. */
  maxBufferedResults: number;
  /** Frames per second this agent sends at most; stays under the gateway's limit (50/s). Default 40. */
  maxFramesPerSecond?: number;
  /** A sent result not acknowledged within this long is sent again. Default 30 s. */
  ackTimeoutMs?: number;
  agentVersion: string;
  /**
   * Consecutive refusals of the token (HTTP 401 on connecting, or close 4401 `Revoked`) after
   * which the agent gives up: retrying a token Vigil does not accept only fills logs. Default 5.
   */
  maxAuthFailures?: number;
  /** Called once when the agent gives up (see `maxAuthFailures`); the agent has stopped by then. */
  onFatal?: (message: string) => void;
  /** Receives the agent's log lines; never given the token. */
  log: Log;
}

/** The agent's counters, for logs and tests. */
export interface AgentStats extends AgentActivity {
  readonly resultsSent: number;
  readonly resultsRefused: number;
  readonly resultsResent: number;
}

/**
 * The satellite agent: connects out to a gateway with its token, runs the checks it is assigned,
 * reports results and heartbeats, and reconnects with exponential backoff and jitter (to the
 * next gateway in the list) when the connection drops. Every result is kept (bounded) until
 * Vigil acknowledges it: results produced while disconnected, or sent but unacknowledged when a
 * connection dropped, are sent (again) after reconnecting, paced under the gateway's frame rate.
 * Vigil applies each result at most once, so sending one twice is harmless. A result Vigil
 * refuses (`results_refused`: a check not assigned to it, a clock far off) is logged and dropped.
 */
export class SatelliteAgent {
  private socket: WebSocket | undefined;
  private readonly results: ResultOutbox;
  /** Paces outgoing frames under the gateway's limit. */
  private readonly frames: TokenBucket;
  private pumpTimer: NodeJS.Timeout | undefined;
  private readonly resendTimer: NodeJS.Timeout;
  private readonly scheduler = new CheckScheduler((assignment) => this.runAndReport(assignment));
  private heartbeat: NodeJS.Timeout | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private attempt = 0;
  /** Token refusals in a row, on any gateway; a connection that opens resets it. */
  private authFailures = 0;
  private gatewayIndex = 0;
  private stopped = false;
  private readonly startedAt = Date.now();
  /** The gateway of the open connection, if any. */
  private connectedGateway: string | null = null;
  private readonly counters = { checksRun: 0, checksOk: 0, checksFailed: 0, connections: 0, resultsSent: 0, resultsAcked: 0, resultsRefused: 0, resultsResent: 0 };

  constructor(private readonly options: AgentOptions) {
    this.results = new ResultOutbox(options.maxBufferedResults);
    const framesPerSecond = options.maxFramesPerSecond ?? 40;
    this.frames = new TokenBucket(framesPerSecond, framesPerSecond);
    const ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
    this.resendTimer = setInterval(() => {
      const again = this.results.resend(Date.now() - ackTimeoutMs);
      if (again > 0) {
        this.counters.resultsResent += again;
        this.options.log('warn', 'results not acknowledged in time; sending them again', { results: again });
        this.pump();
      }
    }, Math.min(5_000, ackTimeoutMs));
    this.resendTimer.unref();
  }

  /** Running totals since the agent started, and what it holds now (a snapshot). */
  get stats(): AgentStats {
    return { ...this.counters, resultsDropped: this.results.dropped, resultsBuffered: this.results.size, gateway: this.connectedGateway };
  }

  start(): void {
    this.connect();
  }

  /** Closes the connection and stops every check. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnect);
    clearInterval(this.heartbeat);
    clearInterval(this.resendTimer);
    clearTimeout(this.pumpTimer);
    this.scheduler.stop();
    const socket = this.socket;
    if (socket && socket.readyState === WebSocket.OPEN) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.close(1000, 'agent stopping');
        setTimeout(resolve, 2_000).unref();
      });
    }
  }

  private connect(): void {
    if (this.stopped) return;
    const base = this.options.gateways[this.gatewayIndex % this.options.gateways.length]!;
    const socket = new WebSocket(`${base.replace(/\/$/, '')}${SATELLITE_PATH}`, { headers: { authorization: `Bearer ${this.options.token}`, 'user-agent': USER_AGENT }, handshakeTimeout: 10_000 });
    this.socket = socket;
    let refused = false;
    socket.on('open', () => {
      this.attempt = 0;
      this.authFailures = 0;
      this.counters.connections++;
      this.connectedGateway = base;
      this.options.log('info', 'connected', { gateway: base, resultsToSend: this.results.size, resultsDropped: this.results.dropped });
      this.sendHeartbeat();
      this.heartbeat = setInterval(() => this.sendHeartbeat(), this.options.heartbeatMs);
      // What the previous connection sent without an acknowledgement may be lost: again, in order.
      this.counters.resultsResent += this.results.resend();
      this.pump();
    });
    socket.on('message', (data) => this.onMessage(String(data)));
    socket.on('unexpected-response', (_request, response) => {
      refused = response.statusCode === 401;
      if (!refused) this.options.log('warn', 'gateway refused the connection', { gateway: base, status: response.statusCode });
      socket.terminate();
    });
    socket.on('error', (error) => {
      if (!refused) this.options.log('warn', 'connection error', { gateway: base, error: error.message });
    });
    socket.on('close', (code) => {
      clearInterval(this.heartbeat);
      if (this.socket === socket) {
        this.socket = undefined;
        this.connectedGateway = null;
      }
      if (this.stopped) return;
      if (refused || code === SatelliteCloseCode.Revoked) {
        const maxAuthFailures = this.options.maxAuthFailures ?? 5;
        if (++this.authFailures >= maxAuthFailures) {
          void this.stop().then(() =>
            this.options.onFatal?.(
              `the gateways refused this satellite's token ${this.authFailures} times in a row (unknown, rotated or removed): ` +
                'give the agent a new one (vigil satellite rotate-token <id>) in VIGIL_SATELLITE_TOKEN or its token file',
            ),
          );
          return;
        }
      }
      // Back off exponentially (0.5 s … 30 s) with full jitter, and try the next gateway.
      this.gatewayIndex++;
      const ceiling = Math.min(30_000, 500 * 2 ** Math.min(this.attempt++, 6));
      const delay = Math.round(Math.random() * ceiling);
      if (refused) this.options.log('warn', 'gateway refused the token (401)', { gateway: base, refusals: this.authFailures, retryInMs: delay });
      else if (code === SatelliteCloseCode.Revoked) this.options.log('warn', 'this token was rotated or the satellite removed: reconnecting will be refused until the agent gets a new token', { gateway: base, retryInMs: delay });
      else this.options.log('warn', 'disconnected', { gateway: base, code, retryInMs: delay });
      this.reconnect = setTimeout(() => this.connect(), delay);
    });
  }

  private onMessage(text: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      return this.options.log('warn', 'gateway sent something that is not JSON');
    }
    const parsed = gatewayMessageSchema.safeParse(frame);
    if (!parsed.success) {
      const list = readAssignmentsOneByOne(frame);
      if (!list) return this.options.log('warn', 'gateway sent an unknown frame');
      this.scheduler.update(list.assignments);
      this.options.log('warn', 'assignments this agent cannot run', { checks: list.assignments.length, cannotRun: list.unreadable.map((entry) => entry.checkId) });
      for (const { checkId, message } of list.unreadable) this.send({ type: 'check_error', checkId, message });
      return;
    }
    const message = parsed.data;
    if (message.type === 'authenticated' || message.type === 'assignments_updated') {
      this.scheduler.update(message.assignments as Assignment[]);
      this.options.log('info', 'assignments', { checks: message.assignments.length });
    } else if (message.type === 'results_acked') {
      this.results.acknowledge(message.resultIds);
      this.counters.resultsAcked += message.resultIds.length;
    } else if (message.type === 'results_refused') {
      // Refused results are never stored: keeping or re-sending them would only repeat the refusal.
      this.counters.resultsRefused += this.results.refuse(message.results.map((refusal) => refusal.resultId));
      for (const refusal of message.results) this.options.log('warn', 'result refused by Vigil; dropped', { resultId: refusal.resultId, code: refusal.code, reason: refusal.message });
    } else if (message.type === 'error') {
      this.options.log('warn', 'gateway error', { code: message.code, message: message.message });
    } else if (message.type === 'shutdown') {
      this.options.log('info', 'gateway shutting down', { reason: message.reason });
    }
  }

  private async runAndReport(assignment: Assignment): Promise<void> {
    const executedAt = Date.now();
    const outcome = await runCheck(assignment.strategy);
    const ok = outcome.status === 'up';
    this.counters.checksRun++;
    if (ok) this.counters.checksOk++;
    else this.counters.checksFailed++;
    this.options.log('debug', 'check result', {
      checkId: assignment.checkId,
      status: ok ? 'ok' : 'fail',
      latencyMs: outcome.latencyMs,
      ...(outcome.error ? { error: outcome.error.message, kind: outcome.error.kind, code: outcome.error.code } : {}),
    });
    this.deliver(resultFrame(assignment, outcome, executedAt));
  }

  private sendHeartbeat(): void {
    this.frames.force(); // heartbeats never wait; results wait a little longer instead
    this.send({ type: 'heartbeat', agentVersion: this.options.agentVersion, uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000) });
  }

  /** Queues a result; it is sent as soon as the connection and the frame rate allow. */
  private deliver(message: ResultMessage): void {
    this.results.add(message);
    this.pump();
  }

  /** Sends waiting results while frames are allowed; re-arms itself for when the next one is. */
  private pump(): void {
    clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
    if (this.stopped) return;
    while (this.results.hasWaiting && this.isOpen() && this.frames.take()) {
      this.send(this.results.takeNext(Date.now())!);
      this.counters.resultsSent++;
    }
    if (this.results.hasWaiting && this.isOpen()) this.pumpTimer = setTimeout(() => this.pump(), this.frames.waitMs());
  }

  private isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  private send(message: SatelliteMessage): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(message));
    return true;
  }
}
