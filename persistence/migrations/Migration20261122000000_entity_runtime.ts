import { Migration } from '@mikro-orm/migrations';

/** The entity runtime's tables: current state, transition history, outbox, durable timers. */
export class Migration20261122000000_entity_runtime extends Migration {
  override up(): void {
    this.addSql(`create table "entity_state" ("kind" varchar(32) not null, "id" varchar(128) not null, "version" int not null, "state" jsonb null, "state_value" jsonb not null, "snapshot" jsonb not null, "machine_version" int not null, "updated_at" bigint not null, constraint "entity_state_pkey" primary key ("kind", "id"));`);
    this.addSql(`create table "entity_transitions" ("kind" varchar(32) not null, "id" varchar(128) not null, "version" int not null, "prev" jsonb null, "next" jsonb null, "changed_fields" jsonb not null, "state_value" jsonb not null, "event" jsonb not null, "cause" jsonb not null, "at" bigint not null, constraint "entity_transitions_pkey" primary key ("kind", "id", "version"));`);
    this.addSql(`create table "outbox" ("id" bigserial primary key, "kind" varchar(32) not null, "entity_id" varchar(128) not null, "version" int not null, "payload" jsonb not null, "created_at" bigint not null);`);
    this.addSql(`create table "entity_timers" ("kind" varchar(32) not null, "entity_id" varchar(128) not null, "name" varchar(64) not null, "due_at" bigint not null, "event" jsonb not null, constraint "entity_timers_pkey" primary key ("kind", "entity_id", "name"));`);
    this.addSql(`create index "entity_timers_due_at_idx" on "entity_timers" ("due_at");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "entity_timers";`);
    this.addSql(`drop table if exists "outbox";`);
    this.addSql(`drop table if exists "entity_transitions";`);
    this.addSql(`drop table if exists "entity_state";`);
  }
}
