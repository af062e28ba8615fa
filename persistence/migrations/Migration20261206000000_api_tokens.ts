import { Migration } from '@mikro-orm/migrations';

/** API tokens of people and services: named, with a role, stored only as a SHA-256 of the token. */
export class Migration20261206000000_api_tokens extends Migration {
  override up(): void {
    this.addSql(
      `create table "api_tokens" ("name" varchar(64) not null, "role" varchar(16) not null, "token_hash" varchar(64) not null, ` +
        `"created_at" bigint not null, "created_by" varchar(200) not null, "expires_at" bigint null, "revoked_at" bigint null, ` +
        `constraint "api_tokens_pkey" primary key ("name"));`,
    );
    this.addSql(`create unique index "api_tokens_token_hash_index" on "api_tokens" ("token_hash");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "api_tokens";`);
  }
}
