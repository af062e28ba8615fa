import { Migration } from '@mikro-orm/migrations';

/** Satellite tokens, stored only as salted hashes. */
export class Migration20261122030000_satellite_credentials extends Migration {
  override up(): void {
    this.addSql(`create table "satellite_credentials" ("satellite_id" varchar(128) not null, "token_hash" varchar(255) not null, "created_at" bigint not null, "rotated_at" bigint not null, constraint "satellite_credentials_pkey" primary key ("satellite_id"));`);
  }

  override down(): void {
    this.addSql(`drop table if exists "satellite_credentials";`);
  }
}
