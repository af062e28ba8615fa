import { Migration } from '@mikro-orm/migrations';

/**
 * The health transitions that change a system's status (and each system's first), by system and
 * time: what the public status page's uptime reads. Health gets a transition per check result (the
 * per-check watermark moves), so its history is long and mostly steady; this partial index holds
 * only the few rows where the status changes, costs nothing on the other inserts, and lets 90 days
 * of uptime be read without scanning the steady results. The predicate is repeated word for word
 * in persistence/status-page-query.ts.
 */
export class Migration20261206010000_health_status_changes extends Migration {
  override up(): void {
    this.addSql(
      `create index "entity_transitions_health_status_changes_idx" on "entity_transitions" ("id", "at") ` +
        `where kind = 'health' and (version = 1 or (prev->>'status') is distinct from (next->>'status'));`,
    );
  }

  override down(): void {
    this.addSql(`drop index if exists "entity_transitions_health_status_changes_idx";`);
  }
}
