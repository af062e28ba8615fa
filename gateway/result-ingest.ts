import type { Logger } from 'pino';
import type { DispatchOptions } from '../actors/index.ts';
import { checkResultEntry, MAX_RESULTS_PER_EVENT, type EntityChange } from '../machines/index.ts';
import type { CheckHistoryRecord, RecordOutcome } from '../history/index.ts';
import type { CheckError, CheckMeasured, CheckTimings } from '../protocol/check-result.ts';
import type { SatelliteTraffic } from './satellite-traffic.ts';

/** A validated result frame, with the satellite that sent it. */
export interface IncomingResult {
  satelliteId: string;
  resultId: string;
  checkId: string;
  systemId: string;
  success: boolean;
  executedAt: number;
  detail: string;
  latencyMs: number;
  error?: CheckError | undefined;
  timings?: CheckTimings | undefined;
  measured?: CheckMeasured | undefined;
}

export interface ResultIngestOptions {
  dispatch: (kind: string, id: string, event: unknown, options: DispatchOptions) => Promise<EntityChange | null>;
  /** Called once results are committed into health and into the check history (or found to be duplicates in both): tell their satellite. */
  acknowledge: (satelliteId: string, resultIds: string[]) => void;
  /**
   * The check history (history/CheckHistoryWriter): every result is recorded there while its
   * health batch commits, and acknowledged only once both committed. Absent: history is off.
   */
  history?: { record(results: readonly CheckHistoryRecord[]): Promise<RecordOutcome> };
  /** `cause.actor` of the health changes: the node (`node:<id>`) that checked the results' satellites and assignments. */
  actor: string;
  log: Logger;
  /** Results accepted but not yet committed, over all systems; beyond it new ones are refused. Default 50,000. */
  maxPending?: number;
  /** Attempts per batch before its results are given up (unacknowledged: the satellite sends them again). Default 4. */
  maxAttempts?: number;
  /** Counts results committed, refused over `maxPending` and given up (metrics). */
  traffic?: SatelliteTraffic;
}

/** What the gateway keeps per system: results waiting, and whether a batch is being committed. */
interface SystemQueue {
  waiting: IncomingResult[];
  inFlight: boolean;
  scheduled: boolean;
  failures: number;
}

/** Waiting results looked at to fill one batch (bounds the work per commit under a backlog). */
const SCAN_LIMIT = 5_000;

/**
 * The next batch: the oldest waiting result of each (check, satellite), up to the event's limit.
 * One result per check per batch means each check changes status at most one step per committed
 * version, so every status a check goes through (healthy, degraded, unhealthy, healthy) is stored
 * and fires its triggers, even when a reconnecting satellite delivers a whole outage at once.
 */
function takeBatch(queue: SystemQueue): IncomingResult[] {
  const batch: IncomingResult[] = [];
  const keys = new Set<string>();
  const deferred: IncomingResult[] = [];
  const scanned = Math.min(queue.waiting.length, SCAN_LIMIT);
  for (let index = 0; index < scanned; index++) {
    const result = queue.waiting[index]!;
    const key = `${result.checkId}@${result.satelliteId}`;
    if (batch.length < MAX_RESULTS_PER_EVENT && !keys.has(key)) {
      keys.add(key);
      batch.push(result);
    } else {
      deferred.push(result);
    }
  }
  queue.waiting = scanned === queue.waiting.length ? deferred : deferred.concat(queue.waiting.slice(scanned));
  return batch;
}

/**
 * Turns result frames into `check_results` events of each system's health actor. Results for a
 * system that arrive while one of its batches is being committed wait and go together in the
 * next batch (at most one per check and satellite), so under load one transition carries many
 * results and ingestion is not bounded by one commit per result. The health machine orders and
 * de-duplicates results per (check, source) by `executedAt`, so a batch retried after a timeout, or a result re-sent through
 * another node, counts once. Results are acknowledged to their satellite only after the commit;
 * anything refused here (over `maxPending`) or given up is simply not acknowledged, and the
 * satellite sends it again.
 *
 * With a check history, each result is also recorded there (node-wide batches, in parallel with
 * its health batch) and acknowledged only once both are committed; if history fails it stays
 * unacknowledged and comes again, and both sides skip what they already have.
 */
export class ResultIngest {
  private readonly systems = new Map<string, SystemQueue>();
  /** Each result's history write under way or done: true once committed, false if it failed. */
  private readonly historyOf = new WeakMap<IncomingResult, Promise<boolean>>();
  private pendingCount = 0;
  private readonly maxPending: number;
  private readonly maxAttempts: number;
  private refusedSinceLog = 0;

  constructor(private readonly options: ResultIngestOptions) {
    this.maxPending = options.maxPending ?? 50_000;
    this.maxAttempts = options.maxAttempts ?? 4;
  }

  /** True while the node is over its bound: results are refused (`add` returns false; `shed` counts one dropped before being read). */
  get full(): boolean {
    return this.pendingCount >= this.maxPending;
  }

  /** Counts a result dropped unread while `full` (it stays unacknowledged, and the satellite sends it again). */
  shed(): void {
    this.options.traffic?.resultRefused('BACKLOG_FULL');
    if (this.refusedSinceLog++ === 0) this.options.log.warn({ pending: this.pendingCount }, 'result backlog full: refusing results until it drains');
  }

  /** Queues a result; false when the node is over its bound and refuses it (it stays unacknowledged). */
  add(result: IncomingResult): boolean {
    if (this.full) {
      this.shed();
      return false;
    }
    this.pendingCount++;
    let queue = this.systems.get(result.systemId);
    if (!queue) this.systems.set(result.systemId, (queue = { waiting: [], inFlight: false, scheduled: false, failures: 0 }));
    queue.waiting.push(result);
    this.schedule(result.systemId, queue);
    return true;
  }

  // Deferred to the end of this I/O turn, so every frame read in it joins the same batch.
  private schedule(systemId: string, queue: SystemQueue): void {
    if (queue.inFlight || queue.scheduled) return;
    queue.scheduled = true;
    setImmediate(() => {
      queue.scheduled = false;
      void this.commitNext(systemId, queue);
    });
  }

  private async commitNext(systemId: string, queue: SystemQueue): Promise<void> {
    if (queue.inFlight || queue.waiting.length === 0) return;
    queue.inFlight = true;
    const batch = takeBatch(queue);
    const event = {
      type: 'check_results',
      results: batch.map((result) => checkResultEntry({ ...result, source: result.satelliteId, failure: result.success ? undefined : result.detail })),
    };
    this.recordHistory(batch);
    try {
      await this.options.dispatch('health', systemId, event, { actor: this.options.actor });
      queue.failures = 0;
      if (this.options.history) void this.settleAfterHistory(batch);
      else this.settle(batch, true);
    } catch (error) {
      queue.failures++;
      if (queue.failures < this.maxAttempts) {
        // Back in front, in order; the watermark makes a retry of an already committed batch harmless.
        queue.waiting.unshift(...batch);
        this.options.log.warn({ err: error, systemId, results: batch.length, attempt: queue.failures }, 'health batch not committed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** queue.failures));
      } else {
        queue.failures = 0;
        this.options.log.error({ err: error, systemId, results: batch.length }, 'health batch given up; its satellites will send the results again');
        this.settle(batch, false);
      }
    }
    queue.inFlight = false;
    if (queue.waiting.length > 0) void this.commitNext(systemId, queue);
    else this.systems.delete(systemId);
  }

  /** Starts the history write of the results of `batch` that have none under way or done (a retried batch's are). */
  private recordHistory(batch: IncomingResult[]): void {
    const history = this.options.history;
    if (!history) return;
    const fresh = batch.filter((result) => !this.historyOf.has(result));
    if (fresh.length === 0) return;
    const written: Promise<boolean> = history.record(fresh.map(historyRecordOf)).then(
      () => true,
      (error: unknown) => {
        this.options.log.warn({ err: error, results: fresh.length }, 'results not stored in the check history; their satellites will send them again');
        // A retry of their health batch records them again.
        for (const result of fresh) if (this.historyOf.get(result) === written) this.historyOf.delete(result);
        return false;
      },
    );
    for (const result of fresh) this.historyOf.set(result, written);
  }

  /** A committed health batch: acknowledges its results whose history is committed too. */
  private async settleAfterHistory(batch: IncomingResult[]): Promise<void> {
    const stored = await Promise.all(batch.map((result) => this.historyOf.get(result) ?? false));
    for (const result of batch) this.historyOf.delete(result);
    const failed = batch.filter((_, index) => !stored[index]);
    if (failed.length === 0) return this.settle(batch, true);
    this.settle(batch.filter((_, index) => stored[index]), true);
    this.settle(failed, false, 'HISTORY_FAILED');
  }

  private settle(batch: IncomingResult[], committed: boolean, reason: 'COMMIT_FAILED' | 'HISTORY_FAILED' = 'COMMIT_FAILED'): void {
    this.pendingCount -= batch.length;
    if (committed) this.options.traffic?.resultsIngested(batch.length);
    else for (let index = 0; index < batch.length; index++) this.options.traffic?.resultRefused(reason);
    if (committed) {
      const bySatellite = new Map<string, string[]>();
      for (const result of batch) {
        const ids = bySatellite.get(result.satelliteId);
        if (ids) ids.push(result.resultId);
        else bySatellite.set(result.satelliteId, [result.resultId]);
      }
      for (const [satelliteId, resultIds] of bySatellite) this.options.acknowledge(satelliteId, resultIds);
    }
    if (this.pendingCount < this.maxPending / 2 && this.refusedSinceLog > 0) {
      this.options.log.info({ refused: this.refusedSinceLog }, 'result backlog drained below half; accepting results again');
      this.refusedSinceLog = 0;
    }
  }
}

/** A result as the check history stores it (the satellite is its source). */
function historyRecordOf(result: IncomingResult): CheckHistoryRecord {
  return {
    checkId: result.checkId,
    systemId: result.systemId,
    source: result.satelliteId,
    resultId: result.resultId,
    executedAt: result.executedAt,
    success: result.success,
    latencyMs: result.latencyMs,
    error: result.error ?? null,
    detail: result.detail,
    timings: result.timings ?? null,
    measured: result.measured ?? null,
  };
}
