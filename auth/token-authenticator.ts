import type { ApiTokenStore } from '../persistence/index.ts';
import { apiTokenSchema, hashApiToken } from './api-tokens.ts';
import { AuthError } from './errors.ts';
import { roleSchema, type Principal } from './principal.ts';

export interface TokenAuthenticatorOptions {
  /** A token found valid is trusted this long before it is looked up again (ms). Default 5,000. */
  cacheMs?: number;
  /** Most tokens remembered at once. Default 10,000. */
  maxCached?: number;
  clock?: () => number;
}

interface Cached {
  principal: Principal & { type: 'token' };
  /** When this cache entry must be looked up again (epoch ms). */
  checkAgainAt: number;
  /** The token's own expiry, if any (epoch ms). */
  expiresAt: number | null;
}

/**
 * Turns an `Authorization: Bearer <token>` header into the token's principal. A token is valid
 * when it is stored (by hash), not revoked and not expired. Valid tokens are cached for
 * `cacheMs`, so a revocation reaches every node within that time (at once on the node that
 * revoked it, see `forget`). Rejects with `AuthError` UNAUTHENTICATED; a database failure
 * rejects with the store's error (the caller answers UNAVAILABLE, never "allowed").
 */
export class TokenAuthenticator {
  private readonly cache = new Map<string, Cached>();
  private readonly cacheMs: number;
  private readonly maxCached: number;
  private readonly clock: () => number;

  constructor(
    private readonly store: ApiTokenStore,
    options: TokenAuthenticatorOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 5_000;
    this.maxCached = options.maxCached ?? 10_000;
    this.clock = options.clock ?? Date.now;
  }

  /** The principal of an `Authorization` header value (`Bearer <token>`; the scheme is case-insensitive). */
  async authenticate(authorization: string | undefined | null): Promise<Principal & { type: 'token' }> {
    if (!authorization) throw AuthError.missingToken();
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    if (!match) throw AuthError.malformedHeader();
    return this.verify(match[1]!);
  }

  /** The principal of a bare token. */
  async verify(token: string): Promise<Principal & { type: 'token' }> {
    if (!apiTokenSchema.safeParse(token).success) throw AuthError.invalidToken();
    const hash = hashApiToken(token);
    const now = this.clock();
    const cached = this.cache.get(hash);
    if (cached && cached.checkAgainAt > now) {
      if (cached.expiresAt !== null && cached.expiresAt <= now) throw AuthError.invalidToken();
      return cached.principal;
    }
    const row = await this.store.findByHash(hash);
    const role = roleSchema.safeParse(row?.role);
    if (!row || !role.success || row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt <= now)) {
      this.cache.delete(hash);
      throw AuthError.invalidToken();
    }
    const principal = { type: 'token' as const, name: row.name, role: role.data };
    if (this.cache.size >= this.maxCached) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(hash, { principal, checkAgainAt: now + this.cacheMs, expiresAt: row.expiresAt });
    return principal;
  }

  /** Drops a token from this node's cache (after it was revoked here). */
  forget(name: string): void {
    for (const [hash, entry] of this.cache) if (entry.principal.name === name) this.cache.delete(hash);
  }
}
