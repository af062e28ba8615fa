import { Migration } from '@mikro-orm/migrations';

/**
 * A generation per satellite credential, from one sequence: every issue, rotation or install
 * takes a new, larger value, never reused (not even after a removal and a new `add`), so a
 * connection remembers the generation it authenticated with and is closed once the stored one
 * differs (or the row is gone).
 */
export class Migration20261122060000_satellite_credential_generations extends Migration {
  override up(): void {
    this.addSql(`create sequence "satellite_credential_generations";`);
    // The default numbers the existing rows; writers take `nextval` explicitly from then on.
    this.addSql(`alter table "satellite_credentials" add column "generation" bigint not null default nextval('satellite_credential_generations');`);
    this.addSql(`alter table "satellite_credentials" alter column "generation" drop default;`);
  }

  override down(): void {
    this.addSql(`alter table "satellite_credentials" drop column "generation";`);
    this.addSql(`drop sequence if exists "satellite_credential_generations";`);
  }
}
