import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxStore, type Database, type OutboxRow } from '../../persistence/index.ts';
import { migratedTestDatabase } from '../support/migrated-database.ts';

let db: Database;
let drop: () => Promise<void>;

beforeAll(async () => {
  ({ database: db, drop } = await migratedTestDatabase());
});

afterAll(() => drop());

describe('outbox relay read', () => {
  it('rebuilds a change from its transition row, and still publishes rows that carry their own payload', async () => {
    const next = { name: 'Shop', checks: { a: 1 } };
    await db.query(
      `insert into entity_transitions (kind, id, version, prev, next, changed_fields, state_value, event, cause, at, committed_by)
       values ('system', 'shop', 1, null, ?::jsonb, '["name"]'::jsonb, '"active"'::jsonb, '{"type":"create"}'::jsonb, '{"event":"create"}'::jsonb, 1000, 'n1')`,
      [JSON.stringify(next)],
    );
    await db.query(`insert into outbox (kind, entity_id, version, created_at) values ('system', 'shop', 1, 1000)`);
    // A row written before outbox rows became references (rolling upgrade): its payload wins.
    const legacy = { kind: 'system', id: 'old', version: 3, prev: { name: 'A' }, next: { name: 'B' }, changedFields: ['name'], stateValue: 'active', at: 900, cause: { event: 'update' } };
    await db.query(`insert into outbox (kind, entity_id, version, payload, created_at) values ('system', 'old', 3, ?::jsonb, 900)`, [JSON.stringify(legacy)]);

    const published: OutboxRow[] = [];
    const count = await new OutboxStore(db).relay(10, async (rows) => {
      published.push(...rows);
    });

    expect(count).toBe(2);
    expect(published.map((row) => row.payload)).toEqual([
      { kind: 'system', id: 'shop', version: 1, prev: null, next, changedFields: ['name'], stateValue: 'active', at: 1000, cause: { event: 'create' } },
      legacy,
    ]);
    expect(await new OutboxStore(db).backlog()).toBe(0);
  });
});
