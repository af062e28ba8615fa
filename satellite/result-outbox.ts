import type { SatelliteMessage } from '../protocol/satellite-protocol.ts';

export type ResultMessage = Extract<SatelliteMessage, { type: 'result' }>;

/**
 * The agent's results until Vigil acknowledges them (`results_acked`, sent after they are
 * committed). A result is either waiting to be sent or sent and unacknowledged; both count
 * towards one bound, beyond which the oldest result is dropped. Unacknowledged results go back
 * to the front of the line on a new connection, or when their acknowledgement is overdue, so a
 * node that dies with results in memory loses none (Vigil ignores the ones it already had).
 */
export class ResultOutbox {
  private waiting: ResultMessage[] = [];
  private readonly unacked = new Map<string, { message: ResultMessage; sentAt: number }>();
  /** Results dropped because the bound was reached. */
  dropped = 0;

  constructor(private readonly maxResults: number) {}

  /** Results not yet acknowledged (waiting or sent). */
  get size(): number {
    return this.waiting.length + this.unacked.size;
  }

  get hasWaiting(): boolean {
    return this.waiting.length > 0;
  }

  add(message: ResultMessage): void {
    this.waiting.push(message);
    while (this.size > this.maxResults) {
      // The oldest result goes: a waiting one if any is older than every sent one, else a sent one.
      const oldestSent = this.unacked.values().next().value;
      if (oldestSent && (this.waiting.length === 0 || oldestSent.message.executedAt <= this.waiting[0]!.executedAt)) {
        this.unacked.delete(oldestSent.message.resultId);
      } else {
        this.waiting.shift();
      }
      this.dropped++;
    }
  }

  /** The next result to send, now marked as sent at `now`. */
  takeNext(now: number): ResultMessage | undefined {
    const message = this.waiting.shift();
    if (message) this.unacked.set(message.resultId, { message, sentAt: now });
    return message;
  }

  acknowledge(resultIds: Iterable<string>): void {
    for (const id of resultIds) this.unacked.delete(id);
  }

  /**
   * Forgets results Vigil refused (`results_refused`): they will never be accepted, so they are
   * neither kept nor sent again, whether sent or back in line. Resolves how many were held.
   */
  refuse(resultIds: Iterable<string>): number {
    const refused = new Set(resultIds);
    let forgotten = 0;
    for (const id of refused) if (this.unacked.delete(id)) forgotten++;
    const before = this.waiting.length;
    if (before > 0) this.waiting = this.waiting.filter((message) => !refused.has(message.resultId));
    return forgotten + before - this.waiting.length;
  }

  /**
   * Puts sent results back in front of the waiting ones, oldest first: all of them (a new
   * connection) or those sent before `sentBefore` (their acknowledgement is overdue).
   */
  resend(sentBefore = Number.POSITIVE_INFINITY): number {
    const again: ResultMessage[] = [];
    for (const [id, entry] of this.unacked) {
      if (entry.sentAt >= sentBefore) continue;
      again.push(entry.message);
      this.unacked.delete(id);
    }
    if (again.length === 0) return 0;
    // Per check, Vigil ignores a result older than one it already applied: keep execution order.
    this.waiting = [...again, ...this.waiting].sort((a, b) => a.executedAt - b.executedAt);
    return again.length;
  }
}
