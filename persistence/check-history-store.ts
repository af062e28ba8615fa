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

const INSERT_RESULTS = `
insert into check_results (executed_at, latency_ms, dns_ms, connect_ms, tls_ms, first_byte_ms, total_ms, success,
  check_id, source, system_id, result_id, error_kind, error_code, error_message, measured)
select to_timestamp(u.e / 1000.0), u.l, u.d, u.c, u.t, u.f, u.tt, u.s, u.ck, u.src, u.sys, u.r, u.ek, u.ec, u.em, u.m::jsonb
from unnest(?::bigint[], ?::real[], ?::real[], ?::real[], ?::real[], ?::real[], ?::real[], ?::boolean[],
  ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
  as u(e, l, d, c, t, f, tt, s, ck, src, sys, r, ek, ec, em, m)
on conflict (check_id, executed_at, source) do nothing
returning check_id, source, executed_at`;

/**
 * One row back whatever the batch: how many were inserted, and only when some were not (a result
 * sent again), which ones — so the usual batch does not parse thousands of returned rows.
 */
const INSERT_RESULTS_COUNTED = `
with inserted as (${INSERT_RESULTS})
select count(*) as inserted,
  case when count(*) < ? then json_agg(json_build_array(check_id, source, (extract(epoch from executed_at) * 1000)::bigint)) end as keys
from inserted`;

/** Adds deltas into one roll-up table (`subject`: its id column), creating rows that are missing. */
const upsertRollups = (table: string, subject: string) => `${table}_up as (
  insert into ${table} (${subject}, grain, bucket_start, shard, results, failures, latency_histogram)
  select id, grain, to_timestamp(b / 1000.0), (select shard from s), n, f, h::integer[] from u where kind = '${table}'
  on conflict (${subject}, grain, bucket_start, shard) do update set
    results = ${table}.results + excluded.results,
    failures = ${table}.failures + excluded.failures,
    latency_histogram = case when excluded.latency_histogram is null then ${table}.latency_histogram
      else vigil_histogram_add(${table}.latency_histogram, excluded.latency_histogram) end)`;

const UPSERT_ROLLUPS = `
with u as (select * from unnest(?::text[], ?::text[], ?::text[], ?::bigint[], ?::integer[], ?::integer[], ?::text[]) as u(kind, id, grain, b, n, f, h)),
s as (select ?::smallint as shard),
${upsertRollups('check_rollups', 'check_id')},
${upsertRollups('system_rollups', 'system_id')}
select 1`;

/**
 * Writes check results and their roll-ups. `insert` stores a batch in ONE transaction: the raw
 * rows with `on conflict do nothing` (a result already stored is skipped), then the roll-ups of
 * exactly the rows that were inserted, so a result sent again is neither stored twice nor counted
 * twice. Every batch is two statements whatever its size (arrays bound as parameters, `unnest`).
 */
export class CheckHistoryStore {
  constructor(private readonly db: Database) {}

  /**
   * Inserts `rows` (a repeated key inside the batch counts once) and applies the roll-up deltas
   * `rollupsOf` computes from the rows actually inserted, in one transaction. Resolves with those
   * rows once committed. Rejects with `PersistenceError` and then wrote nothing (or, if the
   * connection died during COMMIT, the outcome is unknown: inserting the same rows again is safe).
   * A row of a day with no partition fails the whole batch (`isMissingPartition`). `shard`
   * (0 to ROLLUP_SHARDS − 1) is the roll-up rows this transaction adds into: give transactions in
   * flight at the same time different shards, and they never wait for each other's row locks.
   */
  async insert(rows: readonly CheckResultRow[], rollupsOf: (inserted: CheckResultRow[]) => RollupDelta[], shard = 0): Promise<CheckResultRow[]> {
    const unique = new Map<string, CheckResultRow>();
    for (const row of rows) {
      const key = resultKey(row);
      if (!unique.has(key)) unique.set(key, row);
    }
    // One order for every writer: concurrent batches take their row locks in the same order.
    const sorted = [...unique.values()].sort(compareRows);
    if (sorted.length === 0) return [];
    return this.db.transaction(async (transaction) => {
      const [counted] = await this.db.query<{ inserted: string | number; keys: Array<[string, string, number]> | string | null }>(
        INSERT_RESULTS_COUNTED,
        [...resultParameters(sorted), sorted.length],
        transaction,
      );
      let inserted = sorted;
      if (Number(counted?.inserted ?? 0) !== sorted.length) {
        const keys = typeof counted?.keys === 'string' ? (JSON.parse(counted.keys) as Array<[string, string, number]>) : (counted?.keys ?? []);
        const stored = new Set(keys.map(([checkId, source, executedAt]) => resultKey({ checkId, executedAt: Number(executedAt), source })));
        inserted = sorted.filter((row) => stored.has(resultKey(row)));
      }
      const deltas = inserted.length > 0 ? rollupsOf(inserted).sort(compareDeltas) : [];
      if (deltas.length > 0) await this.db.query(UPSERT_ROLLUPS, [...rollupParameters(deltas), shard % ROLLUP_SHARDS], transaction);
      return inserted;
    });
  }
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
  ];
}
