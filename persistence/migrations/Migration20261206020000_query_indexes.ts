import { Migration } from '@mikro-orm/migrations';
import { queryIndexes } from '../entities/query-indexes.ts';

/** The query API's list indexes (see `queryIndexes`). */
export class Migration20261206020000_query_indexes extends Migration {
  override up(): void {
    for (const { expression } of queryIndexes) this.addSql(`${expression};`);
  }

  override down(): void {
    for (const { name } of queryIndexes) this.addSql(`drop index if exists "${name}";`);
  }
}
