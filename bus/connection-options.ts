import { readFileSync } from 'node:fs';
import { credsAuthenticator, nkeyAuthenticator, usernamePasswordAuthenticator, tokenAuthenticator, type ConnectionOptions } from '@nats-io/transport-node';
import type { Secret } from './secret.ts';

/**
 * How a Vigil process authenticates to NATS and secures the connection. At most one way to
 * authenticate is set (node/nats-config.ts validates that, and that every file is readable);
 * nothing set means an anonymous connection.
 */
export interface NatsAuthSettings {
  /** Path of a `.creds` file (user JWT + nkey seed), for servers run in operator/JWT mode. */
  readonly credsFile?: string;
  readonly user?: string;
  readonly password?: Secret;
  readonly token?: Secret;
  /** A user nkey seed (`SU…`), given inline or as a file holding it. */
  readonly nkeySeed?: Secret;
  readonly nkeySeedFile?: string;
  /**
   * Prefix of this connection's reply inboxes (default `_INBOX`). A user allowed to subscribe
   * only to `_INBOX_<user>.>` must connect with `_INBOX_<user>`.
   */
  readonly inboxPrefix?: string;
  readonly tls?: {
    /** CA bundle that signed the servers' certificates (PEM). */
    readonly caFile?: string;
    /** Client certificate and key (PEM), for servers that verify clients (`verify: true`). */
    readonly certFile?: string;
    readonly keyFile?: string;
  };
}

/** The part of nats.js's connection options that the settings decide. */
export type NatsAuthOptions = Pick<ConnectionOptions, 'authenticator' | 'tls' | 'inboxPrefix'>;

/**
 * Builds the nats.js options (authenticator, TLS, inbox prefix) for these settings: the one
 * place that turns Vigil's NATS settings into client options, used by nodes and the CLI. Files
 * (creds, nkey seed) are read here, once: a rotated file is used by the next process start.
 * Throws if a file cannot be read (the message names the file, never its content).
 */
export function natsConnectionOptions(settings: NatsAuthSettings = {}): NatsAuthOptions {
  const options: NatsAuthOptions = {};
  if (settings.credsFile) options.authenticator = credsAuthenticator(readFileSync(settings.credsFile));
  else if (settings.user) options.authenticator = usernamePasswordAuthenticator(settings.user, settings.password?.reveal() ?? '');
  else if (settings.token) options.authenticator = tokenAuthenticator(settings.token.reveal());
  else if (settings.nkeySeed || settings.nkeySeedFile) options.authenticator = nkeyAuthenticator(nkeySeedBytes(settings));
  if (settings.tls) {
    const { caFile, certFile, keyFile } = settings.tls;
    // An empty object still asks for TLS (the system's CAs verify the server).
    options.tls = { ...(caFile ? { caFile } : {}), ...(certFile ? { certFile } : {}), ...(keyFile ? { keyFile } : {}) };
  }
  if (settings.inboxPrefix) options.inboxPrefix = settings.inboxPrefix;
  return options;
}

/** What the settings do, for logs: the method and the user name, never a secret. */
export function describeNatsAuth(settings: NatsAuthSettings = {}): { auth: 'creds' | 'user' | 'token' | 'nkey' | 'none'; user?: string; tls: boolean } {
  const tls = settings.tls !== undefined;
  if (settings.credsFile) return { auth: 'creds', tls };
  if (settings.user) return { auth: 'user', user: settings.user, tls };
  if (settings.token) return { auth: 'token', tls };
  if (settings.nkeySeed || settings.nkeySeedFile) return { auth: 'nkey', tls };
  return { auth: 'none', tls };
}

/** The seed as bytes, from the inline value or its file (whitespace around it ignored). */
export function nkeySeedBytes(settings: Pick<NatsAuthSettings, 'nkeySeed' | 'nkeySeedFile'>): Uint8Array {
  const text = settings.nkeySeed ? settings.nkeySeed.reveal() : readFileSync(settings.nkeySeedFile!, 'utf8');
  return new TextEncoder().encode(text.trim());
}
