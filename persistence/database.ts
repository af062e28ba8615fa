import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { MikroORM, type Transaction } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { PGliteDriver } from 'mikro-orm-pglite';
import pg from 'pg';
import { allEntities } from './entities/index.ts';
import { DataFolderLock, type DataFolderOwner } from './data-folder-lock.ts';
import { PersistenceError } from './errors.ts';
import { migrationsList } from './migrations/index.ts';
import { CHECK_HISTORY_TABLES } from './check-history-tables.ts';

export type { Transaction };

export interface DatabaseOptions {
  /** PostgreSQL URL; absent: embedded PGlite stored in `dataDir/pglite`. */
  url?: string;
  dataDir: string;
  /** Largest number of pooled PostgreSQL connections. */
  poolSize?: number;
  /**
   * Embedded only: the lock of `dataDir` this process already holds (a node takes it before it
   * starts the embedded NATS); it stays held after `close`. Absent: `open` takes the lock itself,
   * as `owner`, and `close` releases it.
   */
  lock?: DataFolderLock;
  /** Who opens the embedded database, shown to a process that is refused the folder. Default: this process's script and arguments (`vigil.js check list`). */
  owner?: DataFolderOwner;
}

/**
 * The node's database: a MikroORM instance (entities, migrations, repositories) plus a thin
 * raw-SQL path for the batched hot path. PostgreSQL in production; PGlite when no URL is given.
 */
export class Database {
  private constructor(
    readonly orm: MikroORM,
    readonly dialect: 'postgresql' | 'pglite',
    private readonly url: string | undefined,
    private readonly pglite: PGlite | undefined,
    private readonly ownLock: DataFolderLock | undefined,
  ) {}

  /**
   * Opens PostgreSQL (`url`) or the embedded PGlite database in `dataDir/pglite`. The embedded one
   * is opened only under the data folder's lock: throws `DataFolderLockedError` at once (nothing
   * opened) when another live process holds the folder; a second opener would corrupt it.
   * Other failures: `PersistenceError`.
   */
  static async open(options: DatabaseOptions): Promise<Database> {
    const common = {
      entities: allEntities,
      extensions: [Migrator],
      migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false, silent: true, tableName: 'vigil_migrations' },
      // Tables with no MikroORM entity (written in raw SQL), left out of the schema comparison.
      schemaGenerator: { skipTables: [...CHECK_HISTORY_TABLES] },
      allowGlobalContext: false,
      debug: false,
    };
    try {
      if (options.url) {
        const orm = await MikroORM.init({ ...common, clientUrl: withSessionSettings(options.url), pool: { min: 0, max: options.poolSize ?? 10 } });
        return new Database(orm, 'postgresql', options.url, undefined, undefined);
      }
    } catch (error) {
      throw PersistenceError.fromDriver('opening the database', error);
    }
    if (options.lock && (!options.lock.isHeld() || options.lock.folder !== resolve(options.dataDir))) {
      throw new PersistenceError('DB_UNAVAILABLE', `opening the database: the lock given is not a held lock of ${resolve(options.dataDir)}`);
    }
    // Taken before PGlite touches a file; a DataFolderLockedError goes to the caller as it is.
    const ownLock = options.lock ? undefined : DataFolderLock.acquire(options.dataDir, options.owner ?? { command: thisCommand() });
    let pglite: PGlite | undefined;
    try {
      const folder = resolve(join(options.dataDir, 'pglite'));
      mkdirSync(folder, { recursive: true });
      pglite = new PGlite(folder);
      const opened = pglite;
      const orm = await MikroORM.init({
        ...common,
        driver: PGliteDriver,
        dbName: 'vigil',
        driverOptions: { connection: { pglite: () => opened } },
      } as Parameters<typeof MikroORM.init>[0]);
      // The PGlite driver extends the PostgreSQL one; MikroORM's types just don't know it.
      return new Database(orm as unknown as MikroORM, 'pglite', undefined, pglite, ownLock);
    } catch (error) {
      await pglite?.close().catch(() => undefined);
      ownLock?.release();
      throw PersistenceError.fromDriver('opening the database', error);
    }
  }

  /**
   * Applies pending migrations (up to and including `to`, a migration's name, when given: an
   * upgrade path can then be tested from an older schema). On PostgreSQL the run holds a session
   * advisory lock, so nodes starting together migrate one after another instead of racing on
   * `create table`.
   */
  async migrate(options: { to?: string } = {}): Promise<string[]> {
    const lock = this.url ? new pg.Client({ connectionString: this.url }) : undefined;
    try {
      if (lock) {
        await lock.connect();
        await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      }
      const applied = await this.orm.getMigrator().up(options.to ? { to: options.to } : undefined);
      return applied.map((migration) => migration.name);
    } catch (error) {
      throw PersistenceError.migrationFailed(error);
    } finally {
      await lock?.end().catch(() => undefined);
    }
  }

  /**
   * Runs one SQL statement (`?` placeholders), inside `transaction` when given; returns its rows.
   * Goes through MikroORM's knex with the parameters bound by the driver: MikroORM's `execute`
   * would inline them into the SQL text, which costs ~23 ms of CPU to escape a 500-transition
   * batch (measured, bench/README.md).
   */
  async query<TRow = Record<string, unknown>>(sql: string, params: unknown[] = [], transaction?: Transaction): Promise<TRow[]> {
    try {
      const statement = this.orm.em.getConnection().getKnex().raw(sql, params as never[]);
      if (transaction) statement.transacting(transaction as never);
      const result = (await statement) as { rows?: TRow[] } | TRow[];
      return Array.isArray(result) ? result : (result.rows ?? []);
    } catch (error) {
      throw PersistenceError.fromDriver('query', error);
    }
  }

  /** Runs `work` in one transaction: all of it commits or none of it does. */
  async transaction<T>(work: (transaction: Transaction) => Promise<T>): Promise<T> {
    try {
      return await this.orm.em.getConnection().transactional(work);
    } catch (error) {
      if (error instanceof PersistenceError) throw error;
      throw PersistenceError.fromDriver('transaction', error);
    }
  }

  async isReachable(): Promise<boolean> {
    try {
      await this.query('select 1');
      return true;
    } catch {
      return false;
    }
  }

  /** Closes the connections (PGlite: the database files, then the data folder lock if `open` took it). */
  async close(): Promise<void> {
    try {
      await this.orm.close(true);
      await this.pglite?.close().catch(() => undefined);
    } finally {
      this.ownLock?.release();
    }
  }
}

/**
 * A session that sits inside a transaction for this long is ended by PostgreSQL. A node frozen
 * mid-commit (SIGSTOP, a long GC pause, a VM stall) would otherwise hold its partition locks
 * forever and block the takeover that fences it out. Longer than any transaction Vigil keeps
 * open on purpose (the outbox relay's, bounded by the 5 s publish timeout).
 */
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 15_000;

function withSessionSettings(url: string): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('options')) parsed.searchParams.set('options', `-c idle_in_transaction_session_timeout=${IDLE_IN_TRANSACTION_TIMEOUT_MS}`);
  return parsed.toString();
}

function thisCommand(): string {
  const [script, ...args] = process.argv.slice(1);
  return [script ? basename(script) : 'node', ...args].join(' ').slice(0, 120) || 'node';
}

/** Arbitrary constant naming Vigil's migration lock among a database's advisory locks. */
const MIGRATION_LOCK_KEY = 7_318_420_001;
