/**
 * Codes of `PersistenceError`:
 * - `DB_UNAVAILABLE`: the database could not be reached or went away (connection refused, reset
 *   or terminated, server shutting down, too many connections). Retrying later may work; a
 *   commit that failed this way may or may not have happened.
 * - `DB_DATA_REJECTED`: the database refused the data itself (SQLSTATE class 22, data
 *   exception — e.g. 22P05 "unsupported Unicode escape sequence" for NUL in jsonb, 22021 for NUL
 *   in text, 22P02 for an unpaired surrogate in jsonb — or class 54, program limit exceeded, e.g.
 *   54001 for JSON nested too deep), or the value could not even be encoded (a stack overflow
 *   while serialising). The statement did not run: nothing was written. The same data fails again.
 * - `DB_QUERY_FAILED`: any other failure of a statement.
 * - `MIGRATION_FAILED`: applying migrations failed.
 */
export type PersistenceErrorCode = 'DB_UNAVAILABLE' | 'DB_DATA_REJECTED' | 'DB_QUERY_FAILED' | 'MIGRATION_FAILED';

/** Errors of the storage layer. Driver errors (pg, PGlite) are translated here and never leak further. */
export class PersistenceError extends Error {
  constructor(
    readonly code: PersistenceErrorCode,
    message: string,
    options?: { cause?: unknown },
    /** The PostgreSQL SQLSTATE the driver reported, when there was one (e.g. `22P05`). */
    readonly sqlState?: string,
  ) {
    super(message, options);
    this.name = 'PersistenceError';
  }

  /**
   * Translates an error of the pg or PGlite driver by its type: the SQLSTATE both carry as
   * `code` (pg `DatabaseError`, PGlite's error), a Node system error code (`ECONNREFUSED`, …),
   * or, for the few driver errors that carry no code (pg's "Connection terminated unexpectedly",
   * knex's pool timeout, a closed PGlite), what they are known to say. The message is the
   * driver's, without the SQL text knex prefixes to it.
   */
  static fromDriver(operation: string, cause: unknown): PersistenceError {
    const code = (cause as { code?: unknown } | null)?.code;
    const message = driverMessage(cause);
    if (typeof code === 'string' && SQLSTATE.test(code)) {
      return new PersistenceError(classOfSqlState(code), `${operation}: ${message} (SQLSTATE ${code})`, { cause }, code);
    }
    if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return new PersistenceError('DB_UNAVAILABLE', `${operation}: ${message}`, { cause });
    if (cause instanceof RangeError) return new PersistenceError('DB_DATA_REJECTED', `${operation}: the value could not be encoded: ${message}`, { cause });
    const unavailable = code === undefined && CODELESS_CONNECTION_ERROR.test(message);
    return new PersistenceError(unavailable ? 'DB_UNAVAILABLE' : 'DB_QUERY_FAILED', `${operation}: ${message}`, { cause });
  }

  /** Data that cannot be turned into a statement at all (e.g. JSON too deep to serialise): nothing was sent. */
  static unencodable(operation: string, cause: unknown): PersistenceError {
    return new PersistenceError('DB_DATA_REJECTED', `${operation}: the value could not be encoded: ${driverMessage(cause)}`, { cause });
  }

  static migrationFailed(cause: unknown): PersistenceError {
    return new PersistenceError('MIGRATION_FAILED', `migration failed: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}

/** True for a `PersistenceError` whose data the database refused (see `DB_DATA_REJECTED`). */
export function isDataRejected(error: unknown): error is PersistenceError {
  return error instanceof PersistenceError && error.code === 'DB_DATA_REJECTED';
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

function classOfSqlState(sqlState: string): PersistenceErrorCode {
  const sqlClass = sqlState.slice(0, 2);
  if (sqlClass === '22' || sqlClass === '54') return 'DB_DATA_REJECTED';
  // 08: connection exception; 53: insufficient resources (53300 too many connections);
  // 57P01-57P03: admin shutdown, crash shutdown, cannot connect now (starting up).
  if (sqlClass === '08' || sqlClass === '53' || sqlState === '57P01' || sqlState === '57P02' || sqlState === '57P03') return 'DB_UNAVAILABLE';
  return 'DB_QUERY_FAILED';
}

/** Node system error codes of a connection that could not be made or broke. */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// pg: "Connection terminated unexpectedly", "Connection terminated due to connection timeout",
// "Client has encountered a connection error and is not queryable"; knex: "Timeout acquiring a
// connection"; PGlite: "PGlite is closed".
const CODELESS_CONNECTION_ERROR = /Connection terminated|connection error|Timeout acquiring a connection|is closed|not queryable/i;

/** The driver's own message: knex prefixes the statement's SQL and " - " to it. */
function driverMessage(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  const separator = message.lastIndexOf(' - ');
  return separator >= 0 && /^\s*(with|select|insert|update|delete)\b/i.test(message) ? message.slice(separator + 3) : message;
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
