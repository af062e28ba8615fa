import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from './database.ts';

/**
 * Satellite credentials. A token is `<satelliteId>.<secret>`, the secret 32 random bytes; only a
 * salted SHA-256 of it is stored, so a database dump does not let anyone impersonate a satellite.
 * A slow password hash (scrypt, bcrypt) would add nothing here — a 256-bit random secret cannot be
 * guessed — but would cost ~50 ms of CPU per connection, i.e. minutes for a reconnect storm of
 * thousands of satellites after a node restart.
 */
export class SatelliteCredentialStore {
  constructor(
    private readonly db: Database,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Creates (or replaces) the satellite's credential; resolves the token, shown only now. */
  async issue(satelliteId: string): Promise<string> {
    const secret = randomBytes(32).toString('base64url');
    await this.install(satelliteId, secret);
    return `${satelliteId}.${secret}`;
  }

  /**
   * Makes `secret` the satellite's credential (a token provisioned elsewhere, e.g. from a setup
   * file's environment variable). Resolves false, changing nothing, when it already is.
   */
  async install(satelliteId: string, secret: string): Promise<boolean> {
    if (await this.verify(satelliteId, secret)) return false;
    const now = this.clock();
    await this.db.query(
      `insert into satellite_credentials (satellite_id, token_hash, created_at, rotated_at) values (?, ?, ?, ?)
       on conflict (satellite_id) do update set token_hash = excluded.token_hash, rotated_at = excluded.rotated_at`,
      [satelliteId, await hash(secret), now, now],
    );
    return true;
  }

  /** True when `secret` is the satellite's current secret (constant-time comparison). */
  async verify(satelliteId: string, secret: string): Promise<boolean> {
    const [row] = await this.db.query<{ token_hash: string }>('select token_hash from satellite_credentials where satellite_id = ?', [satelliteId]);
    if (!row) {
      await hash(secret); // same work either way: timing does not reveal which ids exist
      return false;
    }
    const [scheme, salt, expected] = row.token_hash.split('$');
    if (scheme !== 'sha256' || !salt || !expected) return false;
    const actual = digest(secret, Buffer.from(salt, 'base64url'));
    const expectedBytes = Buffer.from(expected, 'base64url');
    return expectedBytes.length === actual.length && timingSafeEqual(expectedBytes, actual);
  }

  /** Whether the satellite has a credential at all. */
  async has(satelliteId: string): Promise<boolean> {
    const rows = await this.db.query('select 1 from satellite_credentials where satellite_id = ?', [satelliteId]);
    return rows.length > 0;
  }

  async remove(satelliteId: string): Promise<boolean> {
    const removed = await this.db.query('delete from satellite_credentials where satellite_id = ? returning satellite_id', [satelliteId]);
    return removed.length > 0;
  }

  async list(): Promise<Array<{ satelliteId: string; createdAt: number; rotatedAt: number }>> {
    const rows = await this.db.query<Record<string, unknown>>('select satellite_id, created_at, rotated_at from satellite_credentials order by satellite_id');
    return rows.map((row) => ({ satelliteId: String(row.satellite_id), createdAt: Number(row.created_at), rotatedAt: Number(row.rotated_at) }));
  }
}

async function hash(secret: string): Promise<string> {
  const salt = randomBytes(16);
  return ['sha256', salt.toString('base64url'), digest(secret, salt).toString('base64url')].join('$');
}

function digest(secret: string, salt: Buffer): Buffer {
  return createHash('sha256').update(salt).update(secret).digest();
}
