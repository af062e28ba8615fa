import type { Logger } from 'pino';
import {
  DAY_MS,
  dayStartOf,
  isDataRejected,
  isMissingPartition,
  ROLLUP_SHARDS,
  type CheckHistoryPartitions,
  type CheckHistoryStore,
  type CheckResultRow,
} from '../persistence/index.ts';
import type { CheckError, CheckMeasured, CheckTimings } from '../protocol/check-result.ts';
import { rollupDeltas } from './rollup-deltas.ts';

/**
 * One check result to store: from a satellite (`source` is its id) or a push monitor
 * (`source: 'push'`). Text must be storable by PostgreSQL (no NUL, no unpaired surrogate): check
 * it at the boundary it came through (protocol/storable-text.ts), as the satellite gateway does.
 */
export interface CheckHistoryRecord {
  checkId: string;
  systemId: string;
  source: string;
  /** The result's own id, kept for tracing; the result's identity is (checkId, executedAt, source). */
  resultId: string;
  /** Epoch ms; fractions are dropped. */
  executedAt: number;
  success: boolean;
  /** How long the run took, ms; null or absent when there is none (a push). */
  latencyMs?: number | null;
  /** Why it failed (kind, message, code). */
  error?: CheckError | null;
  /** A failure's text from an agent that sends no `error`: stored as the message, with no kind. */
  detail?: string;
  timings?: CheckTimings | null;
  measured?: CheckMeasured | null;
}

/** What became of the results of one `record` call. */
export interface RecordOutcome {
  /** Stored now (and counted in the roll-ups). */
  stored: number;
  /** Already stored (sent again), or repeated within the call: not stored or counted again. */
  duplicates: number;
  /** Outside what history keeps — executed before the raw retention, or more than a day ahead of the clock: not stored. */
  skipped: number;
}

/** Told about every history transaction (metrics); called on the write path, so it must be cheap. */
export interface HistoryObserver {
  /** A transaction committed `results` results, of which `stored` were new, in `seconds`. */
  committed(results: number, stored: number, seconds: number): void;
  /** A transaction failed (it may be retried). */
  failed(): void;
}

export interface CheckHistoryWriterOptions {
  store: CheckHistoryStore;
  partitions: CheckHistoryPartitions;
  log: Logger;
  /** Epoch ms on the cluster's clock. */
  clock: () => number;
  /** Raw results are kept this long (their day's partition is dropped after it), ms. */
  rawRetentionMs: number;
  /** Results per transaction; a single larger `record` call still goes alone. Default 5,000. */
  maxBatchRows?: number;
  /** Transactions in flight at once. Default 2. */
  maxConcurrentTransactions?: number;
  /** Attempts per batch when the database fails (not for refused data) before its calls reject. Default 3. */
  maxAttempts?: number;
  /**
   * The first of this writer's roll-up shards (see ROLLUP_SHARDS): its transactions in flight
   * add into shards `shardBase`, `shardBase + 1`, …, so they never wait on each other's roll-up
   * rows. Give each node its own (`shardBaseOf(nodeId)`) and nodes seldom wait on each other either.
   */
  shardBase?: number;
  /** Told about each transaction (metrics). */
  observer?: HistoryObserver;
}

/** A node's first roll-up shard, spread by its id. */
export function shardBaseOf(nodeId: string): number {
  let hash = 0;
  for (let index = 0; index < nodeId.length; index++) hash = (Math.imul(hash, 31) + nodeId.charCodeAt(index)) >>> 0;
  return hash % ROLLUP_SHARDS;
}

interface Call {
  rows: CheckResultRow[];
  outcome: RecordOutcome;
  resolve: (outcome: RecordOutcome) => void;
  reject: (error: unknown) => void;
}

/** Refused ahead of the clock by more than this: such a row would create a partition retention never reaches. */
const MAX_AHEAD_MS = DAY_MS;

/**
 * Stores check results in history, node-wide: results recorded by any caller (the satellite
 * gateway for every system, push monitors) while a transaction is in flight are gathered and
 * written together in the next one (group commit, like the entity commits), up to
 * `maxBatchRows` each, so history costs two statements per batch rather than per result.
 * Partitions of days that have none yet are created first.
 */
export class CheckHistoryWriter {
  private readonly queue: Call[] = [];
  private flushing = 0;
  private scheduled = false;
  private stopped = false;
  private readonly idle: Array<() => void> = [];
  /** UTC days known to have a partition; undefined until first read. */
  private knownDays: Set<number> | undefined;
  private readonly maxBatchRows: number;
  private readonly maxConcurrent: number;
  private readonly maxAttempts: number;
  /** The transaction slots not in use; a slot's roll-up shard is `shardBase + slot`. */
  private readonly freeSlots: number[];

  constructor(private readonly options: CheckHistoryWriterOptions) {
    this.maxBatchRows = options.maxBatchRows ?? 5_000;
    this.maxConcurrent = options.maxConcurrentTransactions ?? 2;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.freeSlots = Array.from({ length: this.maxConcurrent }, (_, slot) => slot);
  }

  /**
   * Stores `results` (each once: one already stored, by key (checkId, executedAt, source), is a
   * duplicate) and adds them to the hourly and daily roll-ups of their check and system, in the
   * same transaction. Resolves after that transaction committed. Rejects with `PersistenceError`
   * when the database failed `maxAttempts` times or refused this call's data (code
   * `DB_DATA_REJECTED`; other calls of the batch are stored without it): then nothing of it was
   * stored — unless the connection died during COMMIT, when recording the same results again is
   * the way to be sure (duplicates are skipped). Rejects with an Error once `stop` was called.
   */
  record(results: readonly CheckHistoryRecord[]): Promise<RecordOutcome> {
    if (this.stopped) return Promise.reject(new Error('check history writer stopped'));
    const now = this.options.clock();
    const cutoff = now - this.options.rawRetentionMs;
    const rows: CheckResultRow[] = [];
    let skipped = 0;
    for (const result of results) {
      const executedAt = Math.floor(result.executedAt);
      // A day that ended before the retention's cutoff is dropped (or about to be): not stored.
      if (dayStartOf(executedAt) + DAY_MS <= cutoff || executedAt > now + MAX_AHEAD_MS) skipped++;
      else rows.push(rowOf(result, executedAt));
    }
    if (rows.length === 0) return Promise.resolve({ stored: 0, duplicates: 0, skipped });
    return new Promise((resolve, reject) => {
      this.queue.push({ rows, outcome: { stored: 0, duplicates: 0, skipped }, resolve, reject });
      this.schedule();
    });
  }

  /** Results recorded and not yet committed (or given up). */
  get pending(): number {
    let rows = 0;
    for (const call of this.queue) rows += call.rows.length;
    return rows;
  }

  /** The partitions of these days exist (the maintenance job made them): no need to check. */
  partitionsExist(days: Iterable<number>): void {
    if (!this.knownDays) return;
    for (const day of days) this.knownDays.add(day);
  }

  /** Refuses new results, and resolves once every recorded one is committed or given up. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.queue.length === 0 && this.flushing === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  // At the end of this I/O turn, so every result recorded in it joins the same batch.
  private schedule(): void {
    if (this.scheduled || this.flushing >= this.maxConcurrent) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.kick();
    });
  }

  private kick(): void {
    while (this.flushing < this.maxConcurrent && this.queue.length > 0) {
      let rows = 0;
      let take = 0;
      while (take < this.queue.length && (take === 0 || rows + this.queue[take]!.rows.length <= this.maxBatchRows)) rows += this.queue[take++]!.rows.length;
      const batch = this.queue.splice(0, take);
      const slot = this.freeSlots.pop()!;
      this.flushing++;
      void this.flush(batch, ((this.options.shardBase ?? 0) + slot) % ROLLUP_SHARDS).finally(() => {
        this.freeSlots.push(slot);
        this.flushing--;
        if (this.queue.length > 0) this.kick();
        else if (this.flushing === 0) for (const resolve of this.idle.splice(0)) resolve();
      });
    }
  }

  /**
   * Commits `batch`, retrying what may pass next time (the database away, a deadlock, a
   * partition dropped under it). When the database refuses some call's data, the batch is split
   * in halves committed one after the other, so only a call that fails alone is rejected.
   */
  private async flush(batch: Call[], shard: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.commit(batch, shard);
        return;
      } catch (error) {
        this.options.observer?.failed();
        if (isDataRejected(error)) {
          if (batch.length === 1) return batch[0]!.reject(error);
          const half = Math.ceil(batch.length / 2);
          await this.flush(batch.slice(0, half), shard);
          await this.flush(batch.slice(half), shard);
          return;
        }
        if (isMissingPartition(error)) this.knownDays = undefined;
        if (attempt >= this.maxAttempts) {
          this.options.log.error({ err: error, results: batch.reduce((sum, call) => sum + call.rows.length, 0) }, 'check history batch given up');
          for (const call of batch) call.reject(error);
          return;
        }
        this.options.log.warn({ err: error, attempt }, 'check history batch not committed; retrying');
        if (!isMissingPartition(error)) await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      }
    }
  }

  private async commit(batch: Call[], shard: number): Promise<void> {
    const rows = batch.flatMap((call) => call.rows);
    await this.ensurePartitions(rows);
    const startedAt = performance.now();
    const inserted = await this.options.store.insert(rows, rollupDeltas, shard);
    this.options.observer?.committed(rows.length, inserted.length, (performance.now() - startedAt) / 1000);
    const stored = new Set(inserted);
    for (const call of batch) {
      let count = 0;
      for (const row of call.rows) if (stored.has(row)) count++;
      call.resolve({ stored: count, duplicates: call.rows.length - count, skipped: call.outcome.skipped });
    }
  }

  private async ensurePartitions(rows: readonly CheckResultRow[]): Promise<void> {
    this.knownDays ??= new Set(await this.options.partitions.days());
    const missing = new Set<number>();
    for (const row of rows) {
      const day = dayStartOf(row.executedAt);
      if (!this.knownDays.has(day)) missing.add(day);
    }
    if (missing.size === 0) return;
    await this.options.partitions.ensure(missing);
    for (const day of missing) this.knownDays.add(day);
  }
}

function rowOf(result: CheckHistoryRecord, executedAt: number): CheckResultRow {
  const timings = result.timings ?? undefined;
  const measured = result.measured && Object.keys(result.measured).length > 0 ? JSON.stringify(result.measured) : null;
  return {
    checkId: result.checkId,
    systemId: result.systemId,
    source: result.source,
    resultId: result.resultId,
    executedAt,
    success: result.success,
    latencyMs: result.latencyMs ?? null,
    errorKind: result.error?.kind ?? null,
    errorCode: result.error?.code ?? null,
    // An agent without `error` describes a failure in `detail` only.
    errorMessage: result.error?.message ?? (!result.success && result.detail ? result.detail : null),
    dnsMs: timings?.dnsMs ?? null,
    connectMs: timings?.connectMs ?? null,
    tlsMs: timings?.tlsMs ?? null,
    firstByteMs: timings?.firstByteMs ?? null,
    totalMs: timings?.totalMs ?? null,
    measured,
  };
}
