import { Migration } from '@mikro-orm/migrations';

/**
 * The delivery log of notification steps (`notify.slack`, `notify.email`, `notify.webhook`): one
 * row per delivery with its state, one per attempt. Listed newest first (all, or by status) and
 * by run (what `GET /runs/{id}` shows).
 */
export class Migration20261207010000_notification_deliveries extends Migration {
  override up(): void {
    this.addSql(
      `create table "notification_deliveries" ("id" varchar(64) not null, "run_id" varchar(128) not null, "automation_id" varchar(128) not null, ` +
        `"step_path" text not null, "action" varchar(64) not null, "target" varchar(500) not null, "status" varchar(16) not null, ` +
        `"attempts" int not null, "max_attempts" int not null, "next_attempt_at" bigint null, "lease_until" bigint null, ` +
        `"last_error" text null, "last_response_code" int null, "request" jsonb not null, "created_at" bigint not null, "updated_at" bigint not null, ` +
        `constraint "notification_deliveries_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "notification_deliveries_run_id_idx" on "notification_deliveries" ("run_id");`);
    this.addSql(`create index "notification_deliveries_created_idx" on "notification_deliveries" ("created_at", "id");`);
    this.addSql(`create index "notification_deliveries_status_created_idx" on "notification_deliveries" ("status", "created_at", "id");`);
    this.addSql(
      `create table "notification_delivery_attempts" ("delivery_id" varchar(64) not null, "attempt" int not null, "status" varchar(16) not null, ` +
        `"response_code" int null, "error" text null, "duration_ms" int null, "at" bigint not null, "made_by" varchar(200) not null, ` +
        `constraint "notification_delivery_attempts_pkey" primary key ("delivery_id", "attempt"));`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "notification_delivery_attempts";`);
    this.addSql(`drop table if exists "notification_deliveries";`);
  }
}
