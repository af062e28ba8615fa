import type { Logger } from 'pino';
import type { ClockReading } from './cluster-clock.ts';

/** Where a node's clock stands: within the warning threshold, above it, or above the maximum. */
export type ClockStatus = 'ok' | 'warn' | 'beyond-max';

/** A node's clock as it reports it (in its heartbeat, and so in `vigil status`). */
export interface ClockReport extends ClockReading {
  status: ClockStatus;
}

export interface ClockGuardOptions {
  reading: () => ClockReading;
  /** Above this offset (either way), ms: a warning, at most once a minute. */
  warnOffsetMs: number;
  /** Above this offset (either way), ms: the node owns no partitions until it is back within it. */
  maxOffsetMs: number;
  log: Pick<Logger, 'warn' | 'error' | 'info'>;
  /** Local time for the warning's rate limit (default `Date.now`). */
  now?: () => number;
}

/** A node beyond the maximum takes partitions again once its offset is below this share of it. */
const REJOIN_FRACTION = 0.8;

/** How often a clock that stays above the warning threshold is logged again, ms. */
const WARN_EVERY_MS = 60_000;

/**
 * Judges this host's clock offset to the shared clock. Deadlines never use the host's clock, so
 * an offset alone fires nothing early; but a host whose clock is far off is broken (NTP stopped,
 * a virtual machine resumed from a snapshot) and is kept out of the way: beyond the maximum it
 * owns no partitions (see `Placement`'s `standby`), and it takes them again once its offset is
 * back below 80 % of the maximum. Every change of status is logged once, with why.
 */
export class ClockGuard {
  private status: ClockStatus = 'ok';
  private warnedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: ClockGuardOptions) {}

  /** Judges the offset now, logging a change. Returns why this node must own no partitions, or undefined when it may. */
  check(): string | undefined {
    const report = this.report();
    const { offsetMs, uncertaintyMs, status } = report;
    const { warnOffsetMs, maxOffsetMs, log } = this.options;
    const fields = { offsetMs, uncertaintyMs, warnOffsetMs, maxOffsetMs };
    const reason = status === 'beyond-max' ? `this host's clock is ${describeOffset(offsetMs)} (more than VIGIL_MAX_CLOCK_OFFSET_MS = ${maxOffsetMs} ms)` : undefined;
    if (status !== this.status) {
      if (status === 'beyond-max') log.error(fields, `${reason}: owning no partitions until it is back within bounds; fix NTP (chrony) on this host`);
      else if (this.status === 'beyond-max') log.info(fields, `this host's clock is back within VIGIL_MAX_CLOCK_OFFSET_MS (${describeOffset(offsetMs)}): taking partitions again`);
      this.status = status;
      this.warnedAt = Number.NEGATIVE_INFINITY;
    }
    const now = (this.options.now ?? Date.now)();
    if (status === 'warn' && now - this.warnedAt >= WARN_EVERY_MS) {
      this.warnedAt = now;
      log.warn(fields, `this host's clock is ${describeOffset(offsetMs)} (more than VIGIL_CLOCK_WARN_OFFSET_MS = ${warnOffsetMs} ms); deadlines use the database's clock, but check NTP (chrony) on this host`);
    }
    return reason;
  }

  /** The offset now and how it is judged (no logging). */
  report(): ClockReport {
    const reading = this.options.reading();
    const offset = Math.abs(reading.offsetMs);
    // Hysteresis: once beyond the maximum, back only below REJOIN_FRACTION of it, so an offset
    // hovering at the limit does not hand partitions back and forth with every measurement.
    const limit = this.status === 'beyond-max' ? this.options.maxOffsetMs * REJOIN_FRACTION : this.options.maxOffsetMs;
    const status: ClockStatus = offset > limit ? 'beyond-max' : offset > this.options.warnOffsetMs ? 'warn' : 'ok';
    return { ...reading, status };
  }
}

/** "1200 ms ahead of the database's" / "… behind …". */
function describeOffset(offsetMs: number): string {
  return `${Math.abs(Math.round(offsetMs))} ms ${offsetMs >= 0 ? 'ahead of' : 'behind'} the database's`;
}
