import type { Database } from './database.ts';

/**
 * Push tokens, one per push check, looked up by the SHA-256 of the token. The caller hashes (see
 * `auth/push-tokens.ts`): this store never sees a token. The lookup is by a unique index on the
 * hash, so how long it takes says nothing about how close a guessed token is to a real one.
 */
export class PushTokenStore {
  constructor(private readonly db: Database) {}

  /** Makes `tokenHash` the check's token (issued or rotated at `at`; the old one stops working). */
  async put(checkId: string, tokenHash: string, at: number): Promise<void> {
    await this.db.query(
      `insert into push_tokens (check_id, token_hash, created_at, rotated_at) values (?, ?, ?, ?)
       on conflict (check_id) do update set token_hash = excluded.token_hash, rotated_at = excluded.rotated_at`,
      [checkId, tokenHash, at, at],
    );
  }

  /** The check whose token has this hash, or null. */
  async checkOf(tokenHash: string): Promise<string | null> {
    const [row] = await this.db.query<{ check_id: string }>('select check_id from push_tokens where token_hash = ?', [tokenHash]);
    return row ? String(row.check_id) : null;
  }

  /** When the check's token was issued and last rotated, or null when it has none. */
  async find(checkId: string): Promise<{ createdAt: number; rotatedAt: number } | null> {
    const [row] = await this.db.query<{ created_at: string | number; rotated_at: string | number }>('select created_at, rotated_at from push_tokens where check_id = ?', [checkId]);
    return row ? { createdAt: Number(row.created_at), rotatedAt: Number(row.rotated_at) } : null;
  }

  /** Removes the check's token (the check was deleted or is no longer a push check); false when it had none. */
  async remove(checkId: string): Promise<boolean> {
    const rows = await this.db.query('delete from push_tokens where check_id = ? returning check_id', [checkId]);
    return rows.length > 0;
  }
}
