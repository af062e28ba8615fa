import { Database } from '../../persistence/index.ts';
import { createTestDatabase } from './isolation.ts';

/** A database of its own for one test file, migrated: open, its URL, and a `drop` that closes and removes it. */
export async function migratedTestDatabase(): Promise<{ database: Database; url: string; drop(): Promise<void> }> {
  const created = await createTestDatabase();
  const database = await Database.open({ url: created.url, dataDir: '/tmp' });
  await database.migrate();
  return {
    database,
    url: created.url,
    async drop() {
      await database.close();
      await created.drop();
    },
  };
}
