import * as z from 'zod';
import { durationMs } from './duration.ts';

// Fields several check strategies share, with their bounds in one place.

/** How long one run may take in all, in ms: past it the run fails with kind `timeout`. */
export const timeoutMsSchema = durationMs({ min: 100, max: 120_000 });
export const DEFAULT_TIMEOUT_MS = 10_000;

/** A host to connect to: a DNS name or an IP address, as written in a URL's authority (no brackets). */
export const hostSchema = z.string().min(1).max(253).regex(/^[^\s/@]+$/, 'a host name or IP address');

export const portSchema = z.number().int().min(1).max(65_535);

/**
 * A DNS name as a resolver takes it: labels of letters, digits, `-` and `_` (SRV names such as
 * `_sip._tcp.example.com`), at most 253 characters, an optional final dot.
 */
export const dnsNameSchema = z
  .string()
  .max(254)
  .regex(/^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/, 'a DNS name such as example.com');

/** Whole days a certificate must still be valid; fewer fails the run with kind `tls`. */
export const certificateMinDaysLeftSchema = z.number().int().min(0).max(3650);

/**
 * `${env:NAME}` in a value the agent sends (HTTP header values, the body) is replaced, on the
 * satellite, by its environment variable NAME: secrets stay on the satellite, out of the check
 * definition that the API shows and stores. A variable that is not set fails the run (`internal`).
 */
export const ENV_REFERENCE = /\$\{env:([A-Za-z_][A-Za-z0-9_]{0,127})\}/g;
