/** The agent's running totals since it started, and what it holds now. */
export interface AgentActivity {
  readonly checksRun: number;
  readonly checksOk: number;
  readonly checksFailed: number;
  readonly resultsAcked: number;
  readonly resultsDropped: number;
  /** Results held now, waiting to be sent or to be acknowledged. */
  readonly resultsBuffered: number;
  /** Connections that opened (the first one and every reconnection). */
  readonly connections: number;
  /** The gateway the agent is connected to now, if any. */
  readonly gateway: string | null;
}

/** The fields of one periodic summary log line. */
export interface ActivityPeriod {
  periodMs: number;
  checksRun: number;
  checksOk: number;
  checksFailed: number;
  resultsAcked: number;
  resultsDropped: number;
  resultsBuffered: number;
  gateway: string | null;
  reconnects: number;
}

/**
 * Turns the agent's running totals into the figures of one period (since the previous summary,
 * or since it was created), for the summary line the agent logs every summary interval.
 */
export class ActivitySummary {
  private previous: AgentActivity;
  private previousAt: number;

  constructor(private readonly read: () => AgentActivity, now = Date.now()) {
    this.previous = { ...read() };
    this.previousAt = now;
  }

  /** The period that ends `now`; the next period starts there. */
  next(now = Date.now()): ActivityPeriod {
    const current = { ...this.read() };
    const before = this.previous;
    // The first connection is not a reconnection.
    const reconnectsSoFar = (activity: AgentActivity) => Math.max(0, activity.connections - 1);
    const period: ActivityPeriod = {
      periodMs: now - this.previousAt,
      checksRun: current.checksRun - before.checksRun,
      checksOk: current.checksOk - before.checksOk,
      checksFailed: current.checksFailed - before.checksFailed,
      resultsAcked: current.resultsAcked - before.resultsAcked,
      resultsDropped: current.resultsDropped - before.resultsDropped,
      resultsBuffered: current.resultsBuffered,
      gateway: current.gateway,
      reconnects: reconnectsSoFar(current) - reconnectsSoFar(before),
    };
    this.previous = current;
    this.previousAt = now;
    return period;
  }
}
