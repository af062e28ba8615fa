import { Migration } from '@mikro-orm/migrations';

/** Finding a transition by its command id (idempotent commands) without scanning the history. */
export class Migration20261122020000_command_ids extends Migration {
  override up(): void {
    this.addSql(`create index "entity_transitions_command_id_idx" on "entity_transitions" ("kind", "id", ((cause->>'commandId'))) where (cause->>'commandId') is not null;`);
  }

  override down(): void {
    this.addSql(`drop index if exists "entity_transitions_command_id_idx";`);
  }
}
