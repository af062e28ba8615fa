import { Migration } from '@mikro-orm/migrations';

/** Push monitors' tokens: one per check, stored only as a SHA-256 of the token. */
export class Migration20261207000000_push_tokens extends Migration {
  override up(): void {
    this.addSql(
      `create table "push_tokens" ("check_id" varchar(128) not null, "token_hash" varchar(64) not null, "created_at" bigint not null, "rotated_at" bigint not null, ` +
        `constraint "push_tokens_pkey" primary key ("check_id"));`,
    );
    this.addSql(`create unique index "push_tokens_token_hash_index" on "push_tokens" ("token_hash");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "push_tokens";`);
  }
}
