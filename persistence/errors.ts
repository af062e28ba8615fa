/** Errors of the storage layer. Driver errors (pg, PGlite) are translated here and never leak further. */
export class PersistenceError extends Error {
  constructor(
    readonly code: 'DB_UNAVAILABLE' | 'DB_QUERY_FAILED' | 'MIGRATION_FAILED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PersistenceError';
  }

  static fromDriver(operation: string, cause: unknown): PersistenceError {
    const message = cause instanceof Error ? cause.message : String(cause);
    const unavailable = /ECONNREFUSED|ECONNRESET|terminat|Connection|timeout|closed/i.test(message);
    return new PersistenceError(unavailable ? 'DB_UNAVAILABLE' : 'DB_QUERY_FAILED', `${operation}: ${message}`, { cause });
  }

  static migrationFailed(cause: unknown): PersistenceError {
    return new PersistenceError('MIGRATION_FAILED', `migration failed: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}

/** Who holds a data folder, as its lock file says. */
export interface DataFolderHolder {
  pid: number;
  host: string;
  /** The node id, when the holder is a node. */
  nodeId?: string;
  /** What the holder is doing, e.g. `vigil start` or `vigil check list`. */
  command: string;
  /** ISO 8601 time the holder took the lock. */
  since: string;
}

/**
 * The data folder (embedded PGlite database and NATS store) is held by another live process.
 * Only one process may open an embedded database: a second opener corrupts it. Refused at once,
 * never waited on; the message names the holder and what to do instead.
 */
export class DataFolderLockedError extends Error {
  readonly code = 'DATA_FOLDER_LOCKED';

  constructor(
    /** The absolute path of the data folder. */
    readonly folder: string,
    readonly holder: DataFolderHolder | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'DataFolderLockedError';
  }

  static heldBy(folder: string, holder: DataFolderHolder, sameHost: boolean): DataFolderLockedError {
    const who = `pid ${holder.pid}${holder.nodeId ? `, node id ${holder.nodeId}` : ''} (${holder.command}) since ${holder.since}`;
    const what = sameHost
      ? `Only one process may open the embedded database and NATS store. Stop that process (kill -TERM ${holder.pid}), or reach the running node over HTTP ` +
        `(its address is in ${folder}/node.json), or use another VIGIL_DATA_DIR, or share a PostgreSQL (DATABASE_URL) and NATS (NATS_URL) instead.`
      : `That process runs on host ${holder.host}, so this machine cannot tell whether it is still alive. If it is not, delete ${folder}/vigil.lock.`;
    return new DataFolderLockedError(folder, holder, `the data folder ${folder} is in use by another process: ${who}. ${what}`);
  }

  static contended(folder: string): DataFolderLockedError {
    return new DataFolderLockedError(folder, undefined, `the data folder ${folder} is being locked by other processes at this moment; try again`);
  }
}

/** The data folder's lock file cannot be created or replaced (permissions, a filesystem without hard links). */
export class DataFolderLockError extends Error {
  readonly code = 'DATA_FOLDER_LOCK_FAILED';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DataFolderLockError';
  }
}
