import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../persistence/index.ts';
import { createTestDatabase } from '../support/isolation.ts';

let database: { url: string; drop(): Promise<void> };

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database.drop();
});

describe('migrations', () => {
  it('apply once even when several nodes start at the same moment, and match the MikroORM entities', async () => {
    const nodes = await Promise.all([1, 2, 3].map(() => Database.open({ url: database.url, dataDir: '/tmp' })));
    try {
      const applied = await Promise.all(nodes.map((node) => node.migrate()));
      expect(applied.flat()).toEqual(['Migration20261122000000_entity_runtime', 'Migration20261122010000_placement', 'Migration20261122020000_command_ids', 'Migration20261122030000_satellite_credentials', 'Migration20261122040000_outbox_by_reference', 'Migration20261122050000_waiting_runs', 'Migration20261122060000_satellite_credential_generations', 'Migration20261206000000_api_tokens', 'Migration20261206010000_health_status_changes', 'Migration20261206020000_query_indexes', 'Migration20261207000000_push_tokens', 'Migration20261207010000_notification_deliveries', 'Migration20261207020000_check_history', 'Migration20261207030000_rollup_folds']);
      // The schema the migrations built is exactly what the entity definitions describe.
      expect(await nodes[0]!.orm.getMigrator().checkMigrationNeeded()).toBe(false);
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
    }
  });
});
