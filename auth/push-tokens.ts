import { randomBytes } from 'node:crypto';
import { hashApiToken } from './api-tokens.ts';

/** Prefix of push tokens (lets secret scanners recognise them, and people tell them from API tokens). */
export const PUSH_TOKEN_PREFIX = 'vgp_';

/** A new push token: 256 bits from the OS, base64url, so it fits a URL path as it is. */
export function generatePushToken(): string {
  return PUSH_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * The stored form of a push token: SHA-256, hex (unsalted, for the reasons given at
 * `hashApiToken`: a 256-bit random value needs no slow hash, and the hash is looked up by index
 * on every ping). Any text hashes, so an unknown or malformed token costs the same as a known one.
 */
export function hashPushToken(token: string): string {
  return hashApiToken(token);
}
