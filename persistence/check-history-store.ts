import type { Database } from './database.ts';
import { PersistenceError } from './errors.ts';
import { booleanArray, numberArray, textArray } from './check-history-tables.ts';

/** One check result as stored in `check_results`. */
export interface CheckResultRow {
  checkId: string;
  systemId: string;
  /** The satellite that ran the check, or `push` for a push monitor. */
  source: string;
  resultId: string;
  /** Epoch ms (whole). */
  executedAt: number;
  success: boolean;
  latencyMs: number | null;
  errorKind: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  dnsMs: number | null;
  connectMs: number | null;
  tlsMs: number | null;
  firstByteMs: number | null;
  totalMs: number | null;
  /** JSON object text, or null. */
  measured: string | null;
}

/** Latency counts of consecutive sketch buckets, from bucket `offset` (see history/latency-histogram.ts). */
export interface StoredHistogram {
  offset: number;
  counts: number[];
}

/** What one roll-up row gains from the rows a commit inserted. */
export interface RollupDelta {
  subject: 'check' | 'system';
  /** The check id or system id. */
  id: string;
  grain: 'hour' | 'day';
  /** Start of the hour or UTC day, epoch ms. */
  bucketStart: number;
  results: number;
  failures: number;
  /** Latencies of the successes; null when none. */
  histogram: StoredHistogram | null;
  /** A check's roll-up: the check's system (kept on the row, so a system's hours not folded yet are the sum of its checks'). */
  systemId?: string | undefined;
}

/** Roll-up rows per bucket at most (`shard` 0–15): transactions in flight together each add into their own. */
export const ROLLUP_SHARDS = 16;

/** The key of a result: a result with the same key is the same result (sent again). */
export function resultKey(row: { checkId: string; executedAt: number; source: string }): string {
  return `${row.checkId}\u0000${row.executedAt}\u0000${row.source}`;
}

/** `'[40:42]={1,5,2}'`: an `integer[]` literal whose lower bound is the first bucket; null when empty. */
export function histogramLiteral(histogram: StoredHistogram | null): string | null {
  if (!histogram || histogram.counts.length === 0) return null;
  return `[${histogram.offset}:${histogram.offset + histogram.counts.length - 1}]={${histogram.counts.join(',')}}`;
}

/** Reads an `integer[]` as PostgreSQL prints it (`[40:42]={1,5,2}`, or `{1,5,2}` from bucket 1). */
export function parseHistogram(text: string | null): StoredHistogram | null {
  if (text === null || text === undefined) return null;
  const match = /^(?:\[(-?\d+):-?\d+\]=)?\{(.*)\}$/.exec(text);
  if (!match) throw new PersistenceError('DB_QUERY_FAILED', `not a latency histogram: ${text.slice(0, 40)}`);
  const counts = match[2] === '' ? [] : match[2]!.split(',').map((count) => (count === 'NULL' ? 0 : Number(count)));
  return { offset: match[1] === undefined ? 1 : Number(match[1]), counts };
}

const RESULT_COLUMNS = `executed_at, latency_ms, dns_ms, connect_ms, tls_ms, first_byte_ms, total_ms, success,
  check_id, source, system_id, result_id, error_kind, error_code, error_message, measured`;

// Epoch ms to timestamptz by interval arithmetic: exact, and cheaper than `to_timestamp(numeric)`.
const RESULT_VALUES = `select 'epoch'::timestamptz + u.e * interval '1 millisecond', u.l, u.d, u.c, u.t, u.f, u.tt, u.s, u.ck, u.src, u.sys, u.r, u.ek, u.ec, u.em, u.m::jsonb
from unnest(?::bigint[], ?::real[], ?::real[], ?::real[], ?::real[], ?::real[], ?::real[], ?::boolean[],
  ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
  as u(e, l, d, c, t, f, tt, s, ck, src, sys, r, ek, ec, em, m)`;

/**
 * A batch with results already stored (sent again): only the others are inserted. One row back
 * whatever the batch: how many were inserted and which ones.
 */
const INSERT_RESULTS_SKIPPING_STORED = `
with inserted as (
  insert into check_results (${RESULT_COLUMNS}) ${RESULT_VALUES}
  on conflict (check_id, executed_at, source) do nothing
  returning check_id, source, executed_at)
select count(*) as inserted,
  json_agg(json_build_array(check_id, source, (extract(epoch from executed_at) * 1000)::bigint)) as keys
from inserted`;

/**
 * Held shared by every history write while it reads how far the roll-ups are folded and until it
 * commits, and exclusively by a fold (check-history-folds.ts), which therefore sees every row
 * written against the old watermarks, and is never overtaken by a later write (the lock queue
 * is fair: a fold waiting for it holds back new shared requests).
 */
export const ROLLUP_FOLD_LOCK_KEY = 7_318_420_014;

export const READ_FOLDS = `select (extract(epoch from hours_folded_until) * 1000)::bigint as hours, (extract(epoch from days_folded_until) * 1000)::bigint as days
from history_rollup_folds`;

/** Adds deltas into one roll-up table (`subject`: its id column), creating rows that are missing. */
const upsertRollups = (table: string, subject: string, extra: { column: string; value: string } | undefined) => `${table}_up as (
  insert into ${table} (${subject}, grain, bucket_start, shard, results, failures, latency_histogram${extra ? `, ${extra.column}` : ''})
  select id, grain, 'epoch'::timestamptz + b * interval '1 millisecond', (select shard from s), n, f, h::integer[]${extra ? `, ${extra.value}` : ''} from u where kind = '${table}'
  on conflict (${subject}, grain, bucket_start, shard) do update set
    results = ${table}.results + excluded.results,
    failures = ${table}.failures + excluded.failures,
    latency_histogram = case when excluded.latency_histogram is null then ${table}.latency_histogram
      else vigil_histogram_add(${table}.latency_histogram, excluded.latency_histogram) end)`;

const ROLLUP_DELTAS = `unnest(?::text[], ?::text[], ?::text[], ?::bigint[], ?::integer[], ?::integer[], ?::text[], ?::text[]) as u(kind, id, grain, b, n, f, h, sys)`;
const ROLLUP_UPSERTS = `s as (select ?::smallint as shard),
${upsertRollups('check_rollups', 'check_id', { column: 'system_id', value: 'sys' })},
${upsertRollups('system_rollups', 'system_id', undefined)}`;

const UPSERT_ROLLUPS = `with u as (select * from ${ROLLUP_DELTAS}), ${ROLLUP_UPSERTS} select 1`;

/**
 * The usual batch, in ONE statement (one round trip, its own transaction): none of its results is
 * stored yet, so a plain insert (a third cheaper than `on conflict`) stores them all or fails whole
 * on the first one already stored; the roll-up deltas were computed with the folds the writer
 * last saw (parameters 2-3), and are applied only if those are still in force. Otherwise, or if a
 * fold holds or waits for the fold lock (taken here without waiting: a statement that waited
 * would have read the watermarks before the fold moved them), nothing is written, and the folds
 * in force come back. The folds row is read FOR SHARE: a locking read returns the newest version,
 * whatever the statement's snapshot.
 */
const INSERT_NEW_RESULTS_AND_ROLLUPS = `
with f as (select hours_folded_until, days_folded_until,
    pg_try_advisory_xact_lock_shared(?::bigint)
    and hours_folded_until = 'epoch'::timestamptz + ?::bigint * interval '1 millisecond'
    and days_folded_until = 'epoch'::timestamptz + ?::bigint * interval '1 millisecond' as seen
  from history_rollup_folds for share),
inserted as (insert into check_results (${RESULT_COLUMNS}) ${RESULT_VALUES} where (select seen from f)),
u as (select * from ${ROLLUP_DELTAS} where (select seen from f)),
${ROLLUP_UPSERTS}
select seen, (extract(epoch from hours_folded_until) * 1000)::bigint as hours, (extract(epoch from days_folded_until) * 1000)::bigint as days from f`;

/**
 * How far the roll-ups are folded (persistence/check-history-folds.ts), epoch ms: the system's
 * hourly roll-ups exist for hours before `hours`; the check's and system's daily ones for days
 * before `days`. Later buckets are the sum of the check's hourly roll-ups.
 */
export interface RollupFolds {
  hours: number;
  days: number;
}

/** A row of `READ_FOLDS`. */
export type FoldsRow = { hours: string | number; days: string | number };
export const foldsOf = (row: FoldsRow | undefined): RollupFolds => ({ hours: Number(row!.hours), days: Number(row!.days) });

/**
 * Writes check results and their roll-ups, atomically: the raw rows (a result already stored is
 * skipped), and the roll-ups of exactly the rows that were inserted, so a result sent again is
 * neither stored twice nor counted twice. The usual batch is one statement whatever its size
 * (arrays bound as parameters, `unnest`); a batch holding results already stored, or written
 * while a fold moved the watermarks, takes a transaction of a few.
 */
export class CheckHistoryStore {
  /** The folds last seen: the usual batch's deltas are computed with them, and checked in its statement. */
  private folds: RollupFolds | undefined;

  constructor(private readonly db: Database) {}

  /**
   * Inserts `rows` (a repeated key inside the batch counts once) and applies the roll-up deltas
   * `rollupsOf` computes from the rows actually inserted and the folds in force, atomically.
   * Resolves with those rows once committed. Rejects with `PersistenceError` and then wrote
   * nothing (or, if the connection died during COMMIT, the outcome is unknown: inserting the same
   * rows again is safe). A row of a day with no partition fails the whole batch
   * (`isMissingPartition`). `shard` (0 to ROLLUP_SHARDS − 1) is the roll-up rows this batch adds
   * into: give batches in flight at the same time different shards, and they never wait for each
   * other's row locks.
   */
  async insert(rows: readonly CheckResultRow[], rollupsOf: (inserted: CheckResultRow[], folds: RollupFolds) => RollupDelta[], shard = 0): Promise<CheckResultRow[]> {
    const unique = new Map<string, CheckResultRow>();
    for (const row of rows) {
      const key = resultKey(row);
      if (!unique.has(key)) unique.set(key, row);
    }
    // One order for every writer: concurrent batches take their row locks in the same order.
    const sorted = [...unique.values()].sort(compareRows);
    if (sorted.length === 0) return [];
    const parameters = resultParameters(sorted);
    this.folds ??= foldsOf((await this.db.query<FoldsRow>(READ_FOLDS))[0]);
    const folds = this.folds;
    try {
      const [outcome] = await this.db.query<FoldsRow & { seen: boolean }>(INSERT_NEW_RESULTS_AND_ROLLUPS, [
        ROLLUP_FOLD_LOCK_KEY,
        folds.hours,
        folds.days,
        ...parameters,
        ...rollupParameters(rollupsOf(sorted, folds).sort(compareDeltas)),
        shard % ROLLUP_SHARDS,
      ]);
      if (outcome!.seen) return sorted;
      // A fold is under way or moved the watermarks since (nothing was written).
      this.folds = foldsOf(outcome);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    return this.insertInTransaction(sorted, parameters, rollupsOf, shard);
  }

  /** The unusual batch: some results may be stored already, or a fold ran: waits for the fold lock (shared), then reads the watermarks. */
  private insertInTransaction(
    sorted: CheckResultRow[],
    parameters: string[],
    rollupsOf: (inserted: CheckResultRow[], folds: RollupFolds) => RollupDelta[],
    shard: number,
  ): Promise<CheckResultRow[]> {
    return this.db.transaction(async (transaction) => {
      await this.db.query(`select pg_advisory_xact_lock_shared(?::bigint)`, [ROLLUP_FOLD_LOCK_KEY], transaction);
      // A statement of its own: its snapshot is taken with the lock held.
      const folds = foldsOf((await this.db.query<FoldsRow>(READ_FOLDS, [], transaction))[0]);
      this.folds = folds;
      const [counted] = await this.db.query<{ inserted: string | number; keys: Array<[string, string, number]> | string | null }>(
        INSERT_RESULTS_SKIPPING_STORED,
        parameters,
        transaction,
      );
      const keys = typeof counted?.keys === 'string' ? (JSON.parse(counted.keys) as Array<[string, string, number]>) : (counted?.keys ?? []);
      const stored = new Set(keys.map(([checkId, source, executedAt]) => resultKey({ checkId, executedAt: Number(executedAt), source })));
      const inserted = keys.length === sorted.length ? sorted : sorted.filter((row) => stored.has(resultKey(row)));
      const deltas = inserted.length > 0 ? rollupsOf(inserted, folds).sort(compareDeltas) : [];
      if (deltas.length > 0) await this.db.query(UPSERT_ROLLUPS, [...rollupParameters(deltas), shard % ROLLUP_SHARDS], transaction);
      return inserted;
    });
  }
}

/** True when a statement failed on a unique index (SQLSTATE 23505): here, a result already stored. */
function isUniqueViolation(error: unknown): boolean {
  return error instanceof PersistenceError && error.sqlState === '23505';
}

/** True when a batch failed because a row's day has no partition (SQLSTATE 23514 "no partition of relation … found for row"). */
export function isMissingPartition(error: unknown): boolean {
  return error instanceof PersistenceError && error.sqlState === '23514' && /no partition/i.test(error.message);
}

function compareRows(a: CheckResultRow, b: CheckResultRow): number {
  return a.checkId < b.checkId ? -1 : a.checkId > b.checkId ? 1 : a.executedAt - b.executedAt || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0);
}

function compareDeltas(a: RollupDelta, b: RollupDelta): number {
  if (a.subject !== b.subject) return a.subject < b.subject ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  if (a.grain !== b.grain) return a.grain < b.grain ? -1 : 1;
  return a.bucketStart - b.bucketStart;
}

function resultParameters(rows: readonly CheckResultRow[]): string[] {
  const column = <T>(pick: (row: CheckResultRow) => T) => rows.map(pick);
  return [
    numberArray(column((row) => row.executedAt)),
    numberArray(column((row) => row.latencyMs)),
    numberArray(column((row) => row.dnsMs)),
    numberArray(column((row) => row.connectMs)),
    numberArray(column((row) => row.tlsMs)),
    numberArray(column((row) => row.firstByteMs)),
    numberArray(column((row) => row.totalMs)),
    booleanArray(column((row) => row.success)),
    textArray(column((row) => row.checkId)),
    textArray(column((row) => row.source)),
    textArray(column((row) => row.systemId)),
    textArray(column((row) => row.resultId)),
    textArray(column((row) => row.errorKind)),
    textArray(column((row) => row.errorCode)),
    textArray(column((row) => row.errorMessage)),
    textArray(column((row) => row.measured)),
  ];
}

function rollupParameters(deltas: readonly RollupDelta[]): string[] {
  return [
    textArray(deltas.map((delta) => (delta.subject === 'check' ? 'check_rollups' : 'system_rollups'))),
    textArray(deltas.map((delta) => delta.id)),
    textArray(deltas.map((delta) => delta.grain)),
    numberArray(deltas.map((delta) => delta.bucketStart)),
    numberArray(deltas.map((delta) => delta.results)),
    numberArray(deltas.map((delta) => delta.failures)),
    textArray(deltas.map((delta) => histogramLiteral(delta.histogram))),
    textArray(deltas.map((delta) => delta.systemId ?? null)),
  ];
}
