import type { ApiTokenListing, ApiTokenStore } from '../persistence/index.ts';
import { generateApiToken, hashApiToken } from './api-tokens.ts';
import { actorOf, type Principal, type Role } from './principal.ts';
import type { TokenAuthenticator } from './token-authenticator.ts';

/** A token just created: the only moment its value is known. */
export interface CreatedApiToken extends ApiTokenListing {
  token: string;
}

/** Why a token could not be created or revoked (stable codes, mapped to HTTP 409 / 404). */
export class TokenAdminError extends Error {
  constructor(
    readonly code: 'CONFLICT' | 'NOT_FOUND',
    message: string,
  ) {
    super(message);
    this.name = 'TokenAdminError';
  }
}

/** Creates, lists and revokes API tokens (the admin's `vigil token …` and `/tokens` routes). */
export class TokenAdmin {
  constructor(
    private readonly store: ApiTokenStore,
    private readonly authenticator: TokenAuthenticator,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Creates a token; rejects with `TokenAdminError` CONFLICT when the name was ever used. */
  async create(request: { name: string; role: Role; expiresAt?: number | null }, by: Principal): Promise<CreatedApiToken> {
    const token = generateApiToken();
    const row = {
      name: request.name,
      role: request.role,
      tokenHash: hashApiToken(token),
      createdAt: this.clock(),
      createdBy: actorOf(by),
      expiresAt: request.expiresAt ?? null,
      revokedAt: null,
    };
    if (!(await this.store.insert(row))) throw new TokenAdminError('CONFLICT', `a token named "${request.name}" exists (names are never reused, even after revocation)`);
    const { tokenHash: _hash, ...listing } = row;
    return { ...listing, token };
  }

  list(): Promise<ApiTokenListing[]> {
    return this.store.list();
  }

  /** Revokes a token: refused at once on this node, within the authenticator's cache time elsewhere. */
  async revoke(name: string): Promise<ApiTokenListing> {
    // Revoking a revoked token again changes nothing and answers the same.
    await this.store.revoke(name, this.clock());
    const token = await this.store.find(name);
    if (!token) throw new TokenAdminError('NOT_FOUND', `no token named "${name}"`);
    this.authenticator.forget(name);
    return token;
  }
}
