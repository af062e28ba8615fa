import { Migration } from '@mikro-orm/migrations';

/**
 * Outbox rows point at their transition row instead of carrying a copy of the change: the change
 * (prev and next state) was written twice per transition, and for large states (health with many
 * checks) that second copy was a third of what PostgreSQL parsed and stored. Rows written before
 * this migration keep their payload and are published from it.
 */
export class Migration20261122040000_outbox_by_reference extends Migration {
  override up(): void {
    this.addSql(`alter table "outbox" alter column "payload" drop not null;`);
  }

  override down(): void {
    this.addSql(`update "outbox" o set "payload" = jsonb_build_object('kind', t.kind, 'id', t.id, 'version', t.version, 'prev', coalesce(t.prev, 'null'::jsonb), 'next', coalesce(t.next, 'null'::jsonb), 'changedFields', t.changed_fields, 'stateValue', t.state_value, 'at', t.at, 'cause', t.cause) from "entity_transitions" t where o."payload" is null and t.kind = o.kind and t.id = o.entity_id and t.version = o.version;`);
    this.addSql(`alter table "outbox" alter column "payload" set not null;`);
  }
}
