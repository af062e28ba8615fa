import { Migration } from '@mikro-orm/migrations';

/**
 * Check history (persistence/check-history-store.ts has the writes, check-history-query.ts the
 * reads, check-history-partitions.ts the partitions):
 *
 * - `check_results`: every result, one row, partitioned by UTC day of `executed_at` (a partition
 *   per day, created ahead and on demand; retention drops whole days). Unique on
 *   (check, executed_at, source), so a result sent again is stored once; in that order, so the
 *   same index pages a check's results newest first; a partial index holds the failures alone.
 *   Columns are ordered fixed-width first (no
 *   alignment padding); the phase timings are `real` columns (4 bytes each, nothing when absent)
 *   rather than jsonb (about 60 bytes for the same five numbers).
 * - `check_rollups` / `system_rollups`: per check (per system) and hour or UTC day: results,
 *   failures, and the latency sketch of the successes (history/latency-histogram.ts) as an
 *   `integer[]` whose lower bound is its first bucket. Updated in the transaction that inserts
 *   the raw rows, with only the rows actually inserted. Fill factor 80 leaves room on each page
 *   so these updates stay HOT (no index entry written; only the counts change).
 *   A bucket has up to 16 rows (`shard`): each history transaction in flight in the cluster adds
 *   into its own shard's row (the writer's slot, offset by the node), so two transactions never
 *   wait for each other's row locks on a busy system's or check's bucket; reads add the shards up.
 * - `vigil_histogram_add(a, b)`: element-wise sum of two sketches, over the union of their ranges.
 *
 * Ids are `collate "C"`: compared byte by byte (memcmp) in every index, whatever the database's
 * locale — ids have no linguistic order, and a locale's comparison costs several times more.
 */
export class Migration20261207020000_check_history extends Migration {
  override up(): void {
    this.addSql(`create table "check_results" (
      "executed_at" timestamptz not null,
      "latency_ms" real,
      "dns_ms" real,
      "connect_ms" real,
      "tls_ms" real,
      "first_byte_ms" real,
      "total_ms" real,
      "success" boolean not null,
      "check_id" text collate "C" not null,
      "source" text collate "C" not null,
      "system_id" text collate "C" not null,
      "result_id" text not null,
      "error_kind" text,
      "error_code" text,
      "error_message" text,
      "measured" jsonb,
      constraint "check_results_key" unique ("check_id", "executed_at", "source")
    ) partition by range ("executed_at");`);
    // A check's failures alone (`status=down`), without walking its successes: only failed rows
    // have an entry, so it costs nothing on the usual insert.
    this.addSql(`create index "check_results_failures" on "check_results" ("check_id", "executed_at", "source") where not "success";`);
    for (const [table, subject] of [['check_rollups', 'check_id'], ['system_rollups', 'system_id']] as const) {
      this.addSql(`create table "${table}" (
        "bucket_start" timestamptz not null,
        "results" integer not null,
        "failures" integer not null,
        "${subject}" text collate "C" not null,
        "grain" text collate "C" not null check ("grain" in ('hour', 'day')),
        "latency_histogram" integer[],
        "shard" smallint not null default 0,
        constraint "${table}_pkey" primary key ("${subject}", "grain", "bucket_start", "shard")
      ) with (fillfactor = 80);`);
      // BRIN: the retention's range delete needs it once an hour; a btree here tempted the
      // planner to look roll-ups up by (grain, bucket) instead of by the primary key.
      this.addSql(`create index "${table}_retention_idx" on "${table}" using brin ("bucket_start");`);
    }
    // Touches only b's buckets (one, for most batches) and fills any gap between disjoint ranges
    // with zeros, so no count is ever null. plpgsql: an array element assignment in place costs a
    // fraction of rebuilding the array in SQL (measured: ~4 µs against ~15 µs a merge).
    this.addSql(`create function vigil_histogram_add(a integer[], b integer[]) returns integer[]
      language plpgsql immutable parallel safe as $$
      declare
        i integer;
        a_low integer;
        a_high integer;
        b_low integer;
        b_high integer;
      begin
        if a is null then return b; end if;
        if b is null then return a; end if;
        a_low := array_lower(a, 1);
        a_high := array_upper(a, 1);
        b_low := array_lower(b, 1);
        b_high := array_upper(b, 1);
        for i in a_high + 1 .. b_low - 1 loop
          a[i] := 0;
        end loop;
        for i in reverse a_low - 1 .. b_high + 1 loop
          a[i] := 0;
        end loop;
        for i in b_low .. b_high loop
          a[i] := coalesce(a[i], 0) + b[i];
        end loop;
        return a;
      end
      $$;`);
  }

  override down(): void {
    this.addSql(`drop table if exists "check_results";`);
    this.addSql(`drop table if exists "check_rollups";`);
    this.addSql(`drop table if exists "system_rollups";`);
    this.addSql(`drop function if exists vigil_histogram_add(integer[], integer[]);`);
  }
}
