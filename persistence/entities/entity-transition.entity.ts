import { BigIntType, EntitySchema } from '@mikro-orm/core';

/**
 * The history of every entity: one row per committed transition, never updated.
 * The primary key (kind, id, version) makes a duplicate version impossible.
 */
export interface EntityTransitionRow {
  kind: string;
  id: string;
  version: number;
  prev: Record<string, unknown> | null;
  next: Record<string, unknown> | null;
  changedFields: string[];
  stateValue: unknown;
  /** The event as the machine received it (with `at`). */
  event: Record<string, unknown>;
  cause: { event: string; actor?: string; runId?: string };
  /** Epoch ms, from the event. */
  at: number;
  /** Node that committed it. */
  committedBy: string | null;
  /** Database clock at commit. */
  committedAt: Date;
}

export const EntityTransitionSchema = new EntitySchema<EntityTransitionRow>({
  name: 'EntityTransition',
  tableName: 'entity_transitions',
  indexes: [
    {
      name: 'entity_transitions_command_id_idx',
      expression: `create index "entity_transitions_command_id_idx" on "entity_transitions" ("kind", "id", ((cause->>'commandId'))) where (cause->>'commandId') is not null`,
    },
    {
      // Health status changes by system and time (the status page's uptime); see the migration.
      name: 'entity_transitions_health_status_changes_idx',
      expression: `create index "entity_transitions_health_status_changes_idx" on "entity_transitions" ("id", "at") where kind = 'health' and (version = 1 or (prev->>'status') is distinct from (next->>'status'))`,
    },
  ],
  properties: {
    kind: { type: 'string', length: 32, primary: true },
    id: { type: 'string', length: 128, primary: true },
    version: { type: 'integer', primary: true },
    prev: { type: 'json', nullable: true },
    next: { type: 'json', nullable: true },
    changedFields: { type: 'json' },
    stateValue: { type: 'json' },
    event: { type: 'json' },
    cause: { type: 'json' },
    at: { type: new BigIntType('number') },
    committedBy: { type: 'string', length: 64, nullable: true },
    committedAt: { type: 'datetime', defaultRaw: 'clock_timestamp()' },
  },
});
