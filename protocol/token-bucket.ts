/**
 * A token bucket: `rate` tokens per second, holding at most `burst`, starting full. The gateway
 * limits each satellite's frames with one; the agent paces itself under that limit with another.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.tokens = burst;
    this.refilledAt = now;
  }

  /** Takes a token; false (taking nothing) when none is left. */
  take(now = Date.now()): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Takes a token even when none is left: the bucket goes into debt and later takes wait longer. */
  force(now = Date.now()): void {
    this.refill(now);
    this.tokens -= 1;
  }

  /** Milliseconds until a token is available (0: now). */
  waitMs(now = Date.now()): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.rate);
    this.refilledAt = now;
  }
}
