import { Migration } from '@mikro-orm/migrations';

/**
 * Folded roll-ups (persistence/check-history-folds.ts): a result now updates only its check's
 * hourly roll-up; the check's daily roll-up and the system's hourly and daily ones are folded from
 * it once their bucket has ended, and only a result for an already folded bucket (a late one)
 * updates them directly.
 *
 * - `check_rollups.system_id`: the system of the check's results, so a system's hours not folded
 *   yet are read as the sum of its checks' (index `check_rollups_system_hours`, partial: hourly
 *   rows only; an update never changes its columns, so updates stay HOT).
 * - `history_rollup_folds`: one row, the buckets folded so far: hours before `hours_folded_until`
 *   have their system rows, days before `days_folded_until` their check and system rows. They
 *   start at the hour and day this migration runs in: earlier buckets were written whole (every
 *   grain directly), and the buckets in progress are folded like any other once they end — their
 *   check rows written before this migration get their `system_id` here, from the raw results.
 * - `vigil_histogram_sum(integer[])`: the aggregate of `vigil_histogram_add`, for folds and reads.
 */
export class Migration20261207030000_rollup_folds extends Migration {
  override up(): void {
    this.addSql(`alter table "check_rollups" add column "system_id" text collate "C";`);
    this.addSql(`create index "check_rollups_system_hours" on "check_rollups" ("system_id", "bucket_start") where "grain" = 'hour';`);
    this.addSql(`create table "history_rollup_folds" (
      "singleton" boolean primary key default true check ("singleton"),
      "hours_folded_until" timestamptz not null,
      "days_folded_until" timestamptz not null
    );`);
    this.addSql(`insert into "history_rollup_folds" ("hours_folded_until", "days_folded_until")
      values (date_trunc('hour', now()), date_trunc('day', now(), 'UTC'));`);
    // Today's hours are summed into their systems when folded: each needs its system (one raw
    // result of the check in that hour names it, found through the primary key's index).
    this.addSql(`update "check_rollups" r set "system_id" = (
        select c."system_id" from "check_results" c
        where c."check_id" = r."check_id" and c."executed_at" >= r."bucket_start" and c."executed_at" < r."bucket_start" + interval '1 hour' limit 1)
      where r."grain" = 'hour' and r."bucket_start" >= date_trunc('day', now(), 'UTC');`);
    this.addSql(`create aggregate vigil_histogram_sum(integer[]) (sfunc = vigil_histogram_add, stype = integer[], parallel = safe);`);
  }

  override down(): void {
    this.addSql(`drop aggregate if exists vigil_histogram_sum(integer[]);`);
    this.addSql(`drop table if exists "history_rollup_folds";`);
    this.addSql(`drop index if exists "check_rollups_system_hours";`);
    this.addSql(`alter table "check_rollups" drop column if exists "system_id";`);
  }
}
