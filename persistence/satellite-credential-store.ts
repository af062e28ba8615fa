import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from './database.ts';

/** Ids per `generations` statement (bounds the statement's size). */
const GENERATION_BATCH = 1_000;

/**
 * Satellite credentials. A token is `<satelliteId>.<secret>`, the secret 32 random bytes; only a
 * salted SHA-256 of it is stored, so a database dump does not let anyone impersonate a satellite.
 * A slow password hash (scrypt, bcrypt) would add nothing here — a 256-bit random secret cannot be
 * guessed — but would cost ~50 ms of CPU per connection, i.e. minutes for a reconnect storm of
 * thousands of satellites after a node restart.
 *
 * Every change of a credential (issue, rotation, install) gives it a new `generation` from one
 * sequence (never reused, also not after a removal), so a connection that remembers the
 * generation it authenticated with can tell that its credential changed or is gone.
 *
 * Changing or removing a credential here does not close live connections: use
 * `SatelliteAccess` (actors/), which also tells every node.
 */
export class SatelliteCredentialStore {
  constructor(
    private readonly db: Database,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Creates (or replaces) the satellite's credential; resolves the token (shown only now) and its generation. */
  async issue(satelliteId: string): Promise<{ token: string; generation: number }> {
    const secret = randomBytes(32).toString('base64url');
    const generation = await this.write(satelliteId, secret);
    return { token: `${satelliteId}.${secret}`, generation };
  }

  /**
   * Makes `secret` the satellite's credential (a token provisioned elsewhere, e.g. from a setup
   * file's environment variable). Resolves the new generation, or null, changing nothing, when
   * it already is the credential.
   */
  async install(satelliteId: string, secret: string): Promise<number | null> {
    if ((await this.authenticate(satelliteId, secret)) !== null) return null;
    return this.write(satelliteId, secret);
  }

  private async write(satelliteId: string, secret: string): Promise<number> {
    const now = this.clock();
    const [row] = await this.db.query<{ generation: string | number }>(
      `insert into satellite_credentials (satellite_id, token_hash, created_at, rotated_at, generation) values (?, ?, ?, ?, nextval('satellite_credential_generations'))
       on conflict (satellite_id) do update set token_hash = excluded.token_hash, rotated_at = excluded.rotated_at,
         generation = excluded.generation
       returning generation`,
      [satelliteId, await hash(secret), now, now],
    );
    return Number(row!.generation);
  }

  /**
   * The generation of the satellite's credential when `secret` is its current secret (constant-time
   * comparison), else null.
   */
  async authenticate(satelliteId: string, secret: string): Promise<number | null> {
    const [row] = await this.db.query<{ token_hash: string; generation: string | number }>(
      'select token_hash, generation from satellite_credentials where satellite_id = ?',
      [satelliteId],
    );
    if (!row) {
      await hash(secret); // same work either way: timing does not reveal which ids exist
      return null;
    }
    const [scheme, salt, expected] = row.token_hash.split('$');
    if (scheme !== 'sha256' || !salt || !expected) return null;
    const actual = digest(secret, Buffer.from(salt, 'base64url'));
    const expectedBytes = Buffer.from(expected, 'base64url');
    return expectedBytes.length === actual.length && timingSafeEqual(expectedBytes, actual) ? Number(row.generation) : null;
  }

  /** True when `secret` is the satellite's current secret. */
  async verify(satelliteId: string, secret: string): Promise<boolean> {
    return (await this.authenticate(satelliteId, secret)) !== null;
  }

  /**
   * The current generation of each of these satellites' credentials; a satellite without one is
   * absent from the map. One statement per 1,000 ids.
   */
  async generations(satelliteIds: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (let start = 0; start < satelliteIds.length; start += GENERATION_BATCH) {
      const ids = satelliteIds.slice(start, start + GENERATION_BATCH);
      const rows = await this.db.query<{ satellite_id: string; generation: string | number }>(
        `select satellite_id, generation from satellite_credentials where satellite_id in (${ids.map(() => '?').join(', ')})`,
        ids,
      );
      for (const row of rows) found.set(row.satellite_id, Number(row.generation));
    }
    return found;
  }

  /** Whether the satellite has a credential at all. */
  async has(satelliteId: string): Promise<boolean> {
    const rows = await this.db.query('select 1 from satellite_credentials where satellite_id = ?', [satelliteId]);
    return rows.length > 0;
  }

  /** Deletes the satellite's credential; resolves false when it had none. */
  async remove(satelliteId: string): Promise<boolean> {
    const removed = await this.db.query('delete from satellite_credentials where satellite_id = ? returning satellite_id', [satelliteId]);
    return removed.length > 0;
  }

  async list(): Promise<Array<{ satelliteId: string; createdAt: number; rotatedAt: number; generation: number }>> {
    const rows = await this.db.query<Record<string, unknown>>('select satellite_id, created_at, rotated_at, generation from satellite_credentials order by satellite_id');
    return rows.map((row) => ({ satelliteId: String(row.satellite_id), createdAt: Number(row.created_at), rotatedAt: Number(row.rotated_at), generation: Number(row.generation) }));
  }
}

async function hash(secret: string): Promise<string> {
  const salt = randomBytes(16);
  return ['sha256', salt.toString('base64url'), digest(secret, salt).toString('base64url')].join('$');
}

function digest(secret: string, salt: Buffer): Buffer {
  return createHash('sha256').update(salt).update(secret).digest();
}
