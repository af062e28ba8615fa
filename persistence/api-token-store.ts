import type { Database } from './database.ts';
import { PersistenceError } from './errors.ts';
import type { ApiTokenRow } from './entities/index.ts';

/** A token as listed: everything but its hash. */
export type ApiTokenListing = Omit<ApiTokenRow, 'tokenHash'>;

/**
 * API tokens, looked up by the SHA-256 of the token. The caller hashes (see `auth/`): this store
 * never sees a token. Names are unique for ever: a revoked name is not reused, so an old
 * `cause.actor` of `token:<name>` always means the same token.
 */
export class ApiTokenStore {
  constructor(private readonly db: Database) {}

  /** Stores a new token; resolves false (changing nothing) when the name is taken, revoked or not. */
  async insert(row: ApiTokenRow): Promise<boolean> {
    const inserted = await this.db.query(
      `insert into api_tokens (name, role, token_hash, created_at, created_by, expires_at, revoked_at) values (?, ?, ?, ?, ?, ?, ?)
       on conflict (name) do nothing returning name`,
      [row.name, row.role, row.tokenHash, row.createdAt, row.createdBy, row.expiresAt, row.revokedAt],
    );
    return inserted.length > 0;
  }

  /**
   * Makes `tokenHash` the hash of the token `name` with `role`, creating or replacing it (the seed
   * admin token from configuration: changing the configured value replaces the old token).
   * Resolves true when something changed.
   */
  async upsert(row: ApiTokenRow): Promise<boolean> {
    try {
      return await this.upsertOnce(row);
    } catch (error) {
      // Nodes starting together upsert the same seed token at once: PostgreSQL resolves the
      // conflict on `name` (the arbiter) but reports the one on `token_hash` it met first as a
      // unique violation. By now the other insert has committed, so a second try sees the row.
      if (error instanceof PersistenceError && error.sqlState === '23505') return this.upsertOnce(row);
      throw error;
    }
  }

  private async upsertOnce(row: ApiTokenRow): Promise<boolean> {
    const changed = await this.db.query(
      `insert into api_tokens (name, role, token_hash, created_at, created_by, expires_at, revoked_at) values (?, ?, ?, ?, ?, ?, ?)
       on conflict (name) do update set role = excluded.role, token_hash = excluded.token_hash, expires_at = excluded.expires_at, revoked_at = null
       where api_tokens.token_hash <> excluded.token_hash or api_tokens.role <> excluded.role or api_tokens.revoked_at is not null
       returning name`,
      [row.name, row.role, row.tokenHash, row.createdAt, row.createdBy, row.expiresAt, row.revokedAt],
    );
    return changed.length > 0;
  }

  /** The token whose hash this is, revoked or expired ones included (the caller decides). */
  async findByHash(tokenHash: string): Promise<ApiTokenRow | null> {
    const [row] = await this.db.query<Record<string, unknown>>(
      'select name, role, token_hash, created_at, created_by, expires_at, revoked_at from api_tokens where token_hash = ?',
      [tokenHash],
    );
    return row ? toRow(row) : null;
  }

  async find(name: string): Promise<ApiTokenListing | null> {
    const [row] = await this.db.query<Record<string, unknown>>(
      'select name, role, token_hash, created_at, created_by, expires_at, revoked_at from api_tokens where name = ?',
      [name],
    );
    return row ? listing(toRow(row)) : null;
  }

  /** Every token, oldest first, without hashes. */
  async list(): Promise<ApiTokenListing[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      'select name, role, token_hash, created_at, created_by, expires_at, revoked_at from api_tokens order by created_at, name',
    );
    return rows.map((row) => listing(toRow(row)));
  }

  /** Whether a usable (not revoked, not expired at `now`) token of `role` exists. */
  async hasUsable(role: string, now: number): Promise<boolean> {
    const rows = await this.db.query('select 1 from api_tokens where role = ? and revoked_at is null and (expires_at is null or expires_at > ?) limit 1', [role, now]);
    return rows.length > 0;
  }

  /** Marks the token revoked; resolves false when there is no such token or it was revoked already. */
  async revoke(name: string, at: number): Promise<boolean> {
    const rows = await this.db.query('update api_tokens set revoked_at = ? where name = ? and revoked_at is null returning name', [at, name]);
    return rows.length > 0;
  }
}

function toRow(row: Record<string, unknown>): ApiTokenRow {
  return {
    name: String(row.name),
    role: String(row.role),
    tokenHash: String(row.token_hash),
    createdAt: Number(row.created_at),
    createdBy: String(row.created_by),
    expiresAt: row.expires_at === null || row.expires_at === undefined ? null : Number(row.expires_at),
    revokedAt: row.revoked_at === null || row.revoked_at === undefined ? null : Number(row.revoked_at),
  };
}

function listing({ tokenHash: _hash, ...rest }: ApiTokenRow): ApiTokenListing {
  return rest;
}
