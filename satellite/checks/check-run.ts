import type { CheckError, CheckMeasured, CheckTimings } from '../../protocol/check-result.ts';
import { toStorableText } from '../../protocol/storable-text.ts';
import { CheckFailure, kindOfError, type CheckPhase } from './check-failure.ts';

/** What one run found: up or down, why, how long each phase took, what it measured. */
export interface CheckOutcome {
  status: 'up' | 'down';
  /** The whole run, ms (`timings.totalMs`, rounded). */
  latencyMs: number;
  /** The error's message, '' when up: what readers of `detail` (older nodes) see. */
  detail: string;
  error?: CheckError;
  timings: CheckTimings;
  measured: CheckMeasured;
}

interface Destroyable {
  destroy(error?: Error): unknown;
  on?(event: 'error', listener: (error: Error) => void): unknown;
}

// A held socket's errors reach the run through what awaits it; one nothing awaits any more (the TCP
// socket under TLS, a request already answered) must not crash the agent with an unhandled 'error'.
const ignore = () => {};

const MAX_MEASURED_TEXT = 500;
const tenths = (ms: number) => Math.round(ms * 10) / 10;

/**
 * The bookkeeping of one run: its deadline, the phase it is in, phase timings and measured values.
 * When `timeoutMs` passes, every socket it holds is destroyed with a `timeout` failure, so whatever
 * awaits one rejects at once; work that holds no socket is raced against the deadline with `race`.
 */
export class CheckRun {
  phase: CheckPhase = 'connect';
  readonly timings: CheckTimings = {};
  readonly measured: CheckMeasured = {};
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  private readonly held = new Set<Destroyable>();
  private readonly onExpiry = new Set<(failure: CheckFailure) => void>();
  private expired: CheckFailure | undefined;

  constructor(readonly timeoutMs: number) {
    this.timer = setTimeout(() => this.expire(), timeoutMs);
  }

  /** Milliseconds since the run started. */
  elapsed(): number {
    return performance.now() - this.started;
  }

  /** Adds `ms` to a phase (phases repeat when redirects are followed). */
  addTiming(phase: Exclude<keyof CheckTimings, 'totalMs'>, ms: number): void {
    this.timings[phase] = tenths((this.timings[phase] ?? 0) + ms);
  }

  /** Records a measured value; text is made storable and cut to what the frame allows. */
  measure(name: string, value: number | boolean | string): void {
    this.measured[name] = typeof value === 'string' ? toStorableText(value, MAX_MEASURED_TEXT) : value;
  }

  /** Destroys `resource` when the deadline passes (and when the run ends). */
  hold<T extends Destroyable>(resource: T): T {
    this.held.add(resource);
    resource.on?.('error', ignore);
    if (this.expired) resource.destroy(this.expired);
    return resource;
  }

  /** Hands `resource` over to another that owns it now (a TCP socket to the TLS socket wrapping it). */
  release(resource: Destroyable): void {
    this.held.delete(resource);
  }

  /** `work`, or a `timeout` failure if the deadline passes first. */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.expired) return Promise.reject(this.expired);
    return new Promise<T>((resolve, reject) => {
      const onExpired = (failure: CheckFailure) => reject(failure);
      this.onExpiry.add(onExpired);
      work.then(resolve, reject).finally(() => this.onExpiry.delete(onExpired));
    });
  }

  /** Ends the run as up. */
  up(): CheckOutcome {
    return this.end(undefined);
  }

  /** Ends the run as down because of `error` (a `CheckFailure`, or anything thrown while it ran). */
  down(error: unknown): CheckOutcome {
    // Past the deadline, whatever broke (a destroyed socket, a cancelled query) broke because of it.
    const { kind, code } = this.expired ? { kind: 'timeout' as const, code: undefined } : kindOfError(error, this.phase);
    const message = this.expired?.message ?? (error instanceof Error ? error.message : String(error));
    return this.end({ kind, message: toStorableText(message || kind, 2000), ...(code ? { code: code.slice(0, 64) } : {}) });
  }

  private end(error: CheckError | undefined): CheckOutcome {
    clearTimeout(this.timer);
    for (const resource of this.latestFirst()) resource.destroy();
    this.held.clear();
    this.timings.totalMs = tenths(this.elapsed());
    return {
      status: error ? 'down' : 'up',
      latencyMs: Math.round(this.timings.totalMs),
      detail: error?.message ?? '',
      ...(error ? { error } : {}),
      timings: this.timings,
      measured: this.measured,
    };
  }

  // What wraps another was held after it: destroyed first. (Node 20 crashes, SIGSEGV, when the TCP
  // socket under a TLS socket is destroyed before the TLS socket.)
  private latestFirst(): Destroyable[] {
    return [...this.held].reverse();
  }

  private expire(): void {
    this.expired = CheckFailure.timeout(this.timeoutMs, this.phase);
    for (const resource of this.latestFirst()) resource.destroy(this.expired);
    for (const reject of this.onExpiry) reject(this.expired);
  }
}
