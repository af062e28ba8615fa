import type { Logger } from 'pino';
import { DAY_MS, dayStartOf, HOUR_MS, hourStartOf, type CheckHistoryFolds, type CheckHistoryPartitions, type FoldReport } from '../persistence/index.ts';

/** How long each part of the history is kept, ms. */
export interface HistoryRetention {
  /** Raw results (whole UTC days: a day's partition is dropped once the day ended this long ago). */
  rawMs: number;
  /** Hourly roll-ups. */
  hourlyMs: number;
  /** Daily roll-ups. */
  dailyMs: number;
}

export interface CheckHistoryMaintenanceOptions {
  partitions: CheckHistoryPartitions;
  /** Folds the roll-ups of ended hours and days (persistence/check-history-folds.ts). */
  folds: CheckHistoryFolds;
  log: Logger;
  /** Epoch ms on the cluster's clock. */
  clock: () => number;
  retention: HistoryRetention;
  /** Partitions are made for today and this many days ahead. Default 3. */
  daysAhead?: number;
  /** How late a result may arrive (the gateway's `maxResultAgeMs`; 0: any age): the days it spans get partitions too. Default one day. */
  lateMs?: number;
  /** How often it runs, ms. Default one hour. */
  everyMs?: number;
  /** Told which days have partitions now (the writer then skips checking them). */
  onPartitions?: (days: number[]) => void;
}

/** What one run did. */
export interface MaintenanceReport {
  /** The hours and days folded (see CheckHistoryFolds). */
  folded: FoldReport;
  /** Days (their starts, epoch ms) whose partitions were created, and dropped. */
  created: number[];
  dropped: number[];
  hourlyDeleted: number;
  dailyDeleted: number;
}

/** A fold runs this long after each hour ends (cluster clock), when that hour's last results are in. */
const FOLD_DELAY_MS = 30_000;

/**
 * The check history's periodic upkeep, on every node, at start and then every `everyMs`: the
 * roll-ups of ended hours and days folded, the partitions of the days results may arrive for
 * (from `lateMs` ago to `daysAhead` ahead), and retention — raw days dropped whole, hourly and
 * daily roll-ups deleted past their own retention (after folding, so a day is folded before its
 * hours go). The fold also runs on its own shortly after each hour ends, so reads sum at most
 * an hour or a day of unfolded buckets. Several nodes may run it at once (see
 * CheckHistoryPartitions, CheckHistoryFolds): the second finds nothing left to do. A failed run
 * is logged and tried again at the next period.
 */
export class CheckHistoryMaintenance {
  private timer: NodeJS.Timeout | undefined;
  private foldTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<MaintenanceReport | undefined> | undefined;
  private folding: Promise<unknown> | undefined;

  constructor(private readonly options: CheckHistoryMaintenanceOptions) {}

  /** Runs once now; resolves with what it did. Rejects with `PersistenceError`. */
  async runOnce(): Promise<MaintenanceReport> {
    const { partitions, retention } = this.options;
    const now = this.options.clock();
    const today = dayStartOf(now);
    const late = Math.min(this.options.lateMs || DAY_MS, retention.rawMs);
    const folded = await this.options.folds.fold(now);
    const days: number[] = [];
    for (let day = dayStartOf(now - late); day <= today + (this.options.daysAhead ?? 3) * DAY_MS; day += DAY_MS) days.push(day);
    const created = await partitions.ensure(days);
    this.options.onPartitions?.(days);
    const dropped = await partitions.dropEndedBefore(now - retention.rawMs);
    const hourlyDeleted = await partitions.deleteRollupsBefore('hour', now - retention.hourlyMs);
    const dailyDeleted = await partitions.deleteRollupsBefore('day', now - retention.dailyMs);
    const report = { folded, created, dropped, hourlyDeleted, dailyDeleted };
    if (folded.days.to > folded.days.from) this.options.log.info({ days: foldedDays(folded) }, 'check history days folded');
    if (created.length + dropped.length + hourlyDeleted + dailyDeleted > 0) {
      const dayText = (list: number[]) => list.map((day) => new Date(day).toISOString().slice(0, 10));
      this.options.log.info({ created: dayText(created), dropped: dayText(dropped), hourlyDeleted, dailyDeleted }, 'check history maintained');
    }
    return report;
  }

  /** Runs now (resolves after this first run, failed or not) and then every `everyMs`. */
  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.everyMs ?? 3_600_000);
    this.timer.unref();
    this.scheduleFold();
  }

  /** Stops the periodic runs; resolves once a run under way has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.foldTimer);
    await Promise.all([this.running, this.folding]);
  }

  private scheduleFold(): void {
    if (this.stopped) return;
    const now = this.options.clock();
    this.foldTimer = setTimeout(() => {
      this.folding = this.options.folds
        .fold(this.options.clock())
        .catch((error: unknown) => this.options.log.warn({ err: error }, 'check history fold failed; trying again after the next hour'))
        .finally(() => {
          this.folding = undefined;
          this.scheduleFold();
        });
    }, hourStartOf(now) + HOUR_MS + FOLD_DELAY_MS - now);
    this.foldTimer.unref();
  }

  private tick(): Promise<MaintenanceReport | undefined> {
    this.running ??= this.runOnce()
      .catch((error: unknown) => {
        this.options.log.warn({ err: error }, 'check history maintenance failed; trying again next period');
        return undefined;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }
}

function foldedDays(report: FoldReport): string[] {
  const days: string[] = [];
  for (let day = report.days.from; day < report.days.to; day += DAY_MS) days.push(new Date(day).toISOString().slice(0, 10));
  return days;
}
