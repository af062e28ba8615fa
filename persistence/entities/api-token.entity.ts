import { BigIntType, EntitySchema } from '@mikro-orm/core';

/**
 * An API token: its name, role and the SHA-256 (hex) of the token. The token itself is shown once
 * when created and never stored. Revoked tokens stay (with `revokedAt`) so their name keeps
 * explaining old `cause.actor` values.
 */
export interface ApiTokenRow {
  name: string;
  role: string;
  tokenHash: string;
  createdAt: number;
  createdBy: string;
  expiresAt: number | null;
  revokedAt: number | null;
}

export const ApiTokenSchema = new EntitySchema<ApiTokenRow>({
  name: 'ApiToken',
  tableName: 'api_tokens',
  properties: {
    name: { type: 'string', length: 64, primary: true },
    role: { type: 'string', length: 16 },
    tokenHash: { type: 'string', length: 64, unique: 'api_tokens_token_hash_index' },
    createdAt: { type: new BigIntType('number') },
    createdBy: { type: 'string', length: 200 },
    expiresAt: { type: new BigIntType('number'), nullable: true },
    revokedAt: { type: new BigIntType('number'), nullable: true },
  },
});
