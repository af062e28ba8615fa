import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';

/**
 * Time on the clock the whole cluster shares (PostgreSQL's), as two bounds that contain it.
 * Events are stamped with `latest` and deadlines compared with `earliest`: a deadline computed
 * from an event on one node and fired on another then never fires before the duration has passed
 * on the shared clock, whatever the two hosts' own clocks say. The price is lateness of at most
 * the two nodes' uncertainties (see `ClockReading.uncertaintyMs`; under a millisecond on a LAN).
 */
export interface SharedClock {
  /** Epoch ms the shared clock has certainly reached: a deadline at or before it is due. */
  earliest(): number;
  /** Epoch ms the shared clock has certainly not passed yet: what events are stamped with and durations start from. */
  latest(): number;
}

/** What a node knows of its clock against the shared one. */
export interface ClockReading {
  /** How far this host's wall clock (`Date.now()`) is ahead of the shared clock, ms (negative: behind). */
  offsetMs: number;
  /** Half the width of the interval known to contain the shared clock's time now, ms. */
  uncertaintyMs: number;
}

/** The host's own wall clock as a `SharedClock`: for tests and tools that run without a cluster clock. */
export const hostClock: SharedClock = { earliest: () => Date.now(), latest: () => Date.now() };

/**
 * Epoch ms that never jumps: the process's start time plus the monotonic time since. For local
 * durations only (lease freshness, heartbeat ages), never compared with another host's time: a
 * wall clock stepped by NTP or by hand does not make leases look stale or fresh.
 */
export function monotonicNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * How fast the host's monotonic clock may drift from the shared clock between two samples, as a
 * fraction (200 ppm, the bound Spanner's TrueTime assumes; NTP-disciplined clocks stay well below).
 */
const MAX_DRIFT = 200e-6;
/** Samples taken back to back at start, and kept afterwards (the one with the smallest error wins). */
const INITIAL_SAMPLES = 5;
const KEPT_SAMPLES = 8;

/** One measurement: the shared clock read `sharedAt` at some instant between two monotonic readings. */
interface Sample {
  sharedAt: number;
  /** Monotonic ms halfway between sending the query and receiving its answer. */
  midpoint: number;
  /** Half the round trip, ms: the reading happened within this of `midpoint`. */
  halfRoundTrip: number;
}

export interface ClusterClockOptions {
  /** Reads the shared clock, epoch ms (`readDatabaseClock`); rejects when it cannot. */
  read: () => Promise<number>;
  /** How often to measure again, ms (default 2,000). */
  sampleEveryMs?: number;
  log?: Pick<Logger, 'warn' | 'info'>;
  /** A monotonic ms counter (default `performance.now`). */
  monotonic?: () => number;
  /** The host's wall clock, only to report the offset (default `Date.now`). */
  wall?: () => number;
}

/**
 * The shared clock as this node sees it, measured NTP-style against PostgreSQL's
 * `clock_timestamp()`: send at monotonic t0, the server reads s, the answer arrives at t1, so
 * the server's time at (t0 + t1) / 2 was s ± (t1 − t0) / 2. Between samples the estimate moves
 * with the monotonic clock (never with the host's wall clock, so a wall-clock step changes only
 * the reported offset), its uncertainty growing by `MAX_DRIFT` of the time since. Of the last few
 * samples the one with the smallest uncertainty now is used. `earliest` and `latest` never step
 * backwards within the process.
 *
 * Failure modes: `start` rejects when not one of its first samples succeeds (the database cannot
 * be read); a later failed sample is logged (rate-limited) and the last good ones stay in use,
 * their uncertainty growing with their age.
 */
export class ClusterClock implements SharedClock {
  private readonly samples: Sample[] = [];
  private readonly monotonic: () => number;
  private readonly wall: () => number;
  private lastEarliest = Number.NEGATIVE_INFINITY;
  private lastLatest = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> | undefined;
  private failures = 0;

  constructor(private readonly options: ClusterClockOptions) {
    this.monotonic = options.monotonic ?? (() => performance.now());
    this.wall = options.wall ?? Date.now;
  }

  /** Takes the first samples, then keeps measuring. Rejects with the read's error when every first sample failed. */
  async start(): Promise<void> {
    let lastError: unknown;
    for (let attempt = 0; attempt < INITIAL_SAMPLES; attempt++) {
      try {
        await this.measure();
      } catch (error) {
        lastError = error;
      }
    }
    if (this.samples.length === 0) throw lastError;
    this.timer = setInterval(() => void this.sample(), this.options.sampleEveryMs ?? 2_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Measures once more now (also what the timer does); never rejects. */
  sample(): Promise<void> {
    this.sampling ??= this.measure()
      .then(() => {
        if (this.failures > 0) this.options.log?.info({ afterFailures: this.failures }, 'reading the database clock again');
        this.failures = 0;
      })
      .catch((error: unknown) => {
        this.failures++;
        if (this.failures === 1 || this.failures % 30 === 0) {
          this.options.log?.warn({ err: error, failures: this.failures }, 'cannot read the database clock; deadlines use the last measurement, whose uncertainty grows');
        }
      })
      .finally(() => {
        this.sampling = undefined;
      });
    return this.sampling;
  }

  earliest(): number {
    const { estimate, uncertainty } = this.estimate();
    this.lastEarliest = Math.max(this.lastEarliest, Math.floor(estimate - uncertainty));
    return this.lastEarliest;
  }

  latest(): number {
    const { estimate, uncertainty } = this.estimate();
    this.lastLatest = Math.max(this.lastLatest, Math.ceil(estimate + uncertainty));
    return this.lastLatest;
  }

  /** This host's offset to the shared clock now (a wall-clock step shows at once) and the uncertainty. */
  reading(): ClockReading {
    const { estimate, uncertainty } = this.estimate();
    return { offsetMs: round(this.wall() - estimate), uncertaintyMs: round(uncertainty) };
  }

  private async measure(): Promise<void> {
    const sent = this.monotonic();
    const sharedAt = await this.options.read();
    const received = this.monotonic();
    this.samples.push({ sharedAt, midpoint: (sent + received) / 2, halfRoundTrip: (received - sent) / 2 });
    if (this.samples.length > KEPT_SAMPLES) this.samples.shift();
  }

  /** The shared clock's time now by the sample that knows it best, and how far it may be off. */
  private estimate(): { estimate: number; uncertainty: number } {
    const now = this.monotonic();
    let best: { estimate: number; uncertainty: number } | undefined;
    for (const sample of this.samples) {
      const elapsed = now - sample.midpoint;
      const uncertainty = sample.halfRoundTrip + Math.abs(elapsed) * MAX_DRIFT;
      if (!best || uncertainty < best.uncertainty) best = { estimate: sample.sharedAt + elapsed, uncertainty };
    }
    if (!best) throw new Error('the cluster clock has not measured the database clock yet (call start first)');
    return best;
  }
}

/** To a tenth of a millisecond: what a reading is worth. */
function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
