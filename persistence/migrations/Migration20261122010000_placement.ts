import { Migration } from '@mikro-orm/migrations';

/**
 * Placement: partition leases with fencing epochs (and their history, for audits), the partition of each timer (a node polls
 * only the timers of partitions it owns), and who committed each transition (audit, and the
 * proof that a node that lost its lease committed nothing afterwards).
 */
export class Migration20261122010000_placement extends Migration {
  override up(): void {
    this.addSql(`create table "partition_leases" ("partition" int not null, "owner" varchar(64) not null, "epoch" bigint not null, "acquired_at" timestamptz not null default clock_timestamp(), constraint "partition_leases_pkey" primary key ("partition"));`);
    this.addSql(`create table "partition_lease_history" ("partition" int not null, "epoch" bigint not null, "owner" varchar(64) not null, "acquired_at" timestamptz not null default clock_timestamp(), constraint "partition_lease_history_pkey" primary key ("partition", "epoch"));`);
    this.addSql(`create table "cluster_settings" ("key" varchar(64) not null, "value" jsonb not null, constraint "cluster_settings_pkey" primary key ("key"));`);
    this.addSql(`alter table "entity_timers" add column "partition" int not null default 0;`);
    this.addSql(`create index "entity_timers_partition_due_at_idx" on "entity_timers" ("partition", "due_at");`);
    this.addSql(`alter table "entity_transitions" add column "committed_by" varchar(64) null, add column "committed_at" timestamptz not null default clock_timestamp();`);
  }

  override down(): void {
    this.addSql(`alter table "entity_transitions" drop column "committed_at", drop column "committed_by";`);
    this.addSql(`drop index "entity_timers_partition_due_at_idx";`);
    this.addSql(`alter table "entity_timers" drop column "partition";`);
    this.addSql(`drop table if exists "cluster_settings";`);
    this.addSql(`drop table if exists "partition_lease_history";`);
    this.addSql(`drop table if exists "partition_leases";`);
  }
}
