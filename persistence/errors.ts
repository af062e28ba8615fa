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
