import { BigIntType, EntitySchema } from '@mikro-orm/core';

/**
 * The push token of a push check: the SHA-256 (hex) of the token, looked up on every ping. The
 * token itself is shown once, when issued or rotated, and never stored. One token per check.
 */
export interface PushTokenRow {
  checkId: string;
  tokenHash: string;
  createdAt: number;
  rotatedAt: number;
}

export const PushTokenSchema = new EntitySchema<PushTokenRow>({
  name: 'PushToken',
  tableName: 'push_tokens',
  properties: {
    checkId: { type: 'string', length: 128, primary: true },
    tokenHash: { type: 'string', length: 64, unique: 'push_tokens_token_hash_index' },
    createdAt: { type: new BigIntType('number') },
    rotatedAt: { type: new BigIntType('number') },
  },
});
