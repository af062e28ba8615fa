import type { Database } from './database.ts';
import { parseHistogram, type CheckResultRow, type StoredHistogram } from './check-history-store.ts';
import { textArray } from './check-history-tables.ts';

/** One roll-up row: a check's or a system's results in one hour or UTC day, as one shard holds them (see ROLLUP_SHARDS). */
export interface RollupRow {
  /** Start of the hour or day, epoch ms. */
  bucketStart: number;
  results: number;
  failures: number;
  /** Latencies of the successes; null when none. */
  histogram: StoredHistogram | null;
}

/** A stored result as read back: the row as written, its phase timings gathered (absent ones left out) and `measured` parsed. */
export interface StoredCheckResult extends Omit<CheckResultRow, 'dnsMs' | 'connectMs' | 'tlsMs' | 'firstByteMs' | 'totalMs' | 'measured'> {
  timings: { dnsMs?: number; connectMs?: number; tlsMs?: number; firstByteMs?: number; totalMs?: number } | null;
  measured: Record<string, unknown> | null;
}

export interface CheckResultQuery {
  checkId: string;
  /** Executed at or after (epoch ms). */
  since?: number;
  /** Executed at or before (epoch ms). */
  until?: number;
  success?: boolean;
  /** The last row of the previous page: rows strictly older in (executedAt, source) order follow. */
  after?: { executedAt: number; source: string };
  limit: number;
}

/** The columns every part of `completeRollupsQuery` returns, in order. */
const ROLLUP_COLUMNS = (id: string, bucket = 'bucket_start', sums = false) =>
  sums
    ? `${id} as id, ${bucket} as bucket_start, sum(results)::bigint as results, sum(failures)::bigint as failures, vigil_histogram_sum(latency_histogram) as latency_histogram`
    : `${id} as id, bucket_start, results::bigint as results, failures::bigint as failures, latency_histogram`;

const DAY_OF_BUCKET = `date_trunc('day', bucket_start, 'UTC')`;

// Placeholders of the text below, bound by `completeRollupsQuery`; the watermarks are scalar
// subqueries, computed once per statement, so every part is an index range scan.
const IDS = '$ids';
const FROM = '$from';
const TO = '$to';
const HOURS_FOLDED = '(select hours_folded_until from history_rollup_folds)';
const DAYS_FOLDED = '(select days_folded_until from history_rollup_folds)';

/** The hourly rows of systems' checks, for hours whose system rows are not folded yet (from `from`). */
const checkHoursOfSystems = (from: string, sums: boolean) =>
  `select ${ROLLUP_COLUMNS('system_id', 'bucket_start', sums)} from check_rollups
   where system_id = any(${IDS}) and grain = 'hour' and bucket_start >= ${from} and bucket_start < ${TO}${sums ? ' group by system_id, bucket_start' : ''}`;

/** The roll-ups of some checks or systems in one grain whose bucket starts in [from, to): see `completeRollupsQuery`. */
function completeRollupsText(subject: 'check' | 'system', grain: 'hour' | 'day'): string {
  const table = subject === 'check' ? 'check_rollups' : 'system_rollups';
  const id = subject === 'check' ? 'check_id' : 'system_id';
  const stored = (until: string) =>
    `select ${ROLLUP_COLUMNS(id)} from ${table} where ${id} = any(${IDS}) and grain = '${grain}' and bucket_start >= ${FROM} and bucket_start < ${until}`;
  if (subject === 'check' && grain === 'hour') return stored(TO);
  if (subject === 'check') {
    return `${stored(`least(${TO}, ${DAYS_FOLDED})`)} union all
      select ${ROLLUP_COLUMNS('check_id', DAY_OF_BUCKET, true)} from check_rollups
      where check_id = any(${IDS}) and grain = 'hour' and bucket_start >= greatest(${FROM}, ${DAYS_FOLDED}) and bucket_start < ${TO}
      group by check_id, ${DAY_OF_BUCKET}`;
  }
  if (grain === 'hour') return `${stored(`least(${TO}, ${HOURS_FOLDED})`)} union all ${checkHoursOfSystems(`greatest(${FROM}, ${HOURS_FOLDED})`, true)}`;
  return `${stored(`least(${TO}, ${DAYS_FOLDED})`)} union all
    select id, ${DAY_OF_BUCKET} as bucket_start, sum(results)::bigint, sum(failures)::bigint, vigil_histogram_sum(latency_histogram) from (
      select ${ROLLUP_COLUMNS('system_id')} from system_rollups
      where system_id = any(${IDS}) and grain = 'hour' and bucket_start >= greatest(${FROM}, ${DAYS_FOLDED}) and bucket_start < least(${TO}, ${HOURS_FOLDED})
      union all ${checkHoursOfSystems(`greatest(${FROM}, ${DAYS_FOLDED}, ${HOURS_FOLDED})`, false)}
    ) hours group by id, ${DAY_OF_BUCKET}`;
}

/**
 * The roll-ups of some checks or systems in one grain whose bucket starts in [from, to): `sql`
 * (with `?` placeholders) and its `parameters` (ids, from and to in epoch ms); columns `id`,
 * `bucket_start` (timestamptz), `results`, `failures`, `latency_histogram`. A bucket may come as
 * several rows (shards, or a folded part and a summed part): add them up. Buckets not folded yet
 * (persistence/check-history-folds.ts) are summed here from the check's hours, at most a day and
 * an hour of them: a check's day from its hours, a system's hour from its checks' hours, a
 * system's day from its hours.
 */
export function completeRollupsQuery(subject: 'check' | 'system', grain: 'hour' | 'day'): { sql: string; parameters: (ids: readonly string[], fromMs: number, toMs: number) => unknown[] } {
  const order: string[] = [];
  const sql = completeRollupsText(subject, grain).replace(/\$(ids|from|to)\b/g, (placeholder) => {
    order.push(placeholder);
    return placeholder === IDS ? '?::text[]' : 'to_timestamp(?::bigint / 1000.0)';
  });
  return {
    sql,
    parameters: (ids, fromMs, toMs) => order.map((placeholder) => (placeholder === IDS ? textArray(ids) : placeholder === FROM ? fromMs : toMs)),
  };
}

interface ResultRow {
  executed_at: string | number;
  latency_ms: number | null;
  dns_ms: number | null;
  connect_ms: number | null;
  tls_ms: number | null;
  first_byte_ms: number | null;
  total_ms: number | null;
  success: boolean;
  check_id: string;
  source: string;
  system_id: string;
  result_id: string;
  error_kind: string | null;
  error_code: string | null;
  error_message: string | null;
  measured: Record<string, unknown> | null;
}

/**
 * Reads the check history: roll-ups of a check or system over a time range (never the raw rows),
 * and a check's raw results newest first, keyset-paged along the `check_results_key` index
 * (check, executed_at, source), so a page costs the same wherever it is. Rejects with
 * `PersistenceError`.
 */
export class CheckHistoryQueries {
  constructor(private readonly db: Database) {}

  /**
   * The roll-ups of one check or system and grain whose bucket starts in [fromMs, toMs), oldest
   * first: a row per bucket and shard (add a bucket's rows up, sketches included, for its
   * figures); buckets without results have no row.
   */
  async rollups(subject: 'check' | 'system', id: string, grain: 'hour' | 'day', fromMs: number, toMs: number): Promise<RollupRow[]> {
    const { sql, parameters } = completeRollupsQuery(subject, grain);
    const rows = await this.db.query<{ bucket_start: string | number; results: number; failures: number; histogram: string | null }>(
      `select (extract(epoch from bucket_start) * 1000)::bigint as bucket_start, results, failures, latency_histogram::text as histogram
       from (${sql}) r order by bucket_start`,
      parameters([id], fromMs, toMs),
    );
    return rows.map((row) => ({ bucketStart: Number(row.bucket_start), results: Number(row.results), failures: Number(row.failures), histogram: parseHistogram(row.histogram) }));
  }

  /** One page of a check's results, newest first (ties by source, descending); `more`: a next page exists. */
  async results(query: CheckResultQuery): Promise<{ rows: StoredCheckResult[]; more: boolean }> {
    const conditions = ['check_id = ?'];
    const params: unknown[] = [query.checkId];
    if (query.since !== undefined) {
      conditions.push('executed_at >= to_timestamp(? / 1000.0)');
      params.push(query.since);
    }
    if (query.until !== undefined) {
      conditions.push('executed_at <= to_timestamp(? / 1000.0)');
      params.push(query.until);
    }
    // Written out, not bound: `not success` is the predicate of the failures' partial index.
    if (query.success !== undefined) conditions.push(query.success ? 'success' : 'not success');
    if (query.after) {
      conditions.push('(executed_at, source) < (to_timestamp(? / 1000.0), ?)');
      params.push(query.after.executedAt, query.after.source);
    }
    params.push(query.limit + 1);
    const rows = await this.db.query<ResultRow>(
      `select (extract(epoch from executed_at) * 1000)::bigint as executed_at, latency_ms, dns_ms, connect_ms, tls_ms, first_byte_ms, total_ms,
         success, check_id, source, system_id, result_id, error_kind, error_code, error_message, measured
       from check_results where ${conditions.join(' and ')}
       order by executed_at desc, source desc limit ?`,
      params,
    );
    const more = rows.length > query.limit;
    return { rows: rows.slice(0, query.limit).map(storedResult), more };
  }
}

function storedResult(row: ResultRow): StoredCheckResult {
  const timings: NonNullable<StoredCheckResult['timings']> = {};
  if (row.dns_ms !== null) timings.dnsMs = Number(row.dns_ms);
  if (row.connect_ms !== null) timings.connectMs = Number(row.connect_ms);
  if (row.tls_ms !== null) timings.tlsMs = Number(row.tls_ms);
  if (row.first_byte_ms !== null) timings.firstByteMs = Number(row.first_byte_ms);
  if (row.total_ms !== null) timings.totalMs = Number(row.total_ms);
  return {
    checkId: row.check_id,
    systemId: row.system_id,
    source: row.source,
    resultId: row.result_id,
    executedAt: Number(row.executed_at),
    success: row.success,
    latencyMs: row.latency_ms === null ? null : Number(row.latency_ms),
    errorKind: row.error_kind,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    timings: Object.keys(timings).length > 0 ? timings : null,
    measured: typeof row.measured === 'string' ? (JSON.parse(row.measured) as Record<string, unknown>) : row.measured,
  };
}
