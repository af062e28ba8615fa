import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';

/** Prefix of tokens Vigil generates (lets secret scanners recognise them). */
export const API_TOKEN_PREFIX = 'vgl_';

/**
 * What a token may look like: 32 to 256 characters of the base64 and URL-safe alphabets (so a
 * value from `openssl rand -base64 32` works as `VIGIL_ADMIN_TOKEN`). Checked before anything is
 * hashed or looked up.
 */
export const apiTokenSchema = z
  .string()
  .min(32, 'an API token has at least 32 characters')
  .max(256, 'an API token has at most 256 characters')
  .regex(/^[A-Za-z0-9._~+/=-]+$/, 'an API token uses only letters, digits and . _ ~ + / = -');

/** A token's name: shown in `cause.actor` as `token:<name>`. */
export const apiTokenNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'a token name is 1-64 lowercase letters, digits, "_", "." or "-", starting with a letter or digit');

/** A new random token: 256 bits from the OS, base64url. */
export function generateApiToken(): string {
  return API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * The stored form of a token: SHA-256, hex. Unsalted on purpose: tokens are 256-bit random values
 * (nothing to guess, so no dictionary to defeat), and the hash must be looked up by index on every
 * request. A slow hash would add ~50 ms of CPU per request and no safety.
 */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
