import { readFileSync } from 'node:fs';
import { credsAuthenticator, nkeys } from '@nats-io/transport-node';
import { z } from 'zod';
// From their files, not bus/index.ts (JetStream, KV): the config is read by every CLI command, which must start fast.
import { nkeySeedBytes, type NatsAuthSettings } from '../bus/connection-options.ts';
import { Secret } from '../bus/secret.ts';

/**
 * The `nats` part of a node's (or the CLI's) configuration: how to authenticate to NATS, TLS, and
 * the reply-inbox prefix. Checked when the configuration is loaded, so a bad value stops the
 * process at once with a message that names the setting and, for files, the path — never a
 * password, token or seed. Rules: at most one way to authenticate (creds file, user + password,
 * token, nkey seed); a password needs a user and a user a password; an nkey seed inline or in a
 * file, not both, and it must be a user seed (`SU…`); every named file must be readable (a creds
 * file must parse); a client certificate and its key go together.
 */
const secretText = z
  .string()
  .min(1)
  .transform((value) => new Secret(value));
const path = z.string().min(1);

export const natsSettingsSchema = z
  .object({
    credsFile: path.optional(),
    user: z.string().min(1).optional(),
    password: secretText.optional(),
    token: secretText.optional(),
    nkeySeed: secretText.optional(),
    nkeySeedFile: path.optional(),
    inboxPrefix: z
      .string()
      .regex(/^[^\s.*>]+(\.[^\s.*>]+)*$/, 'a subject prefix: dot-separated tokens without spaces or wildcards (e.g. _INBOX_vigil-commands)')
      .optional(),
    tls: z
      .object({
        caFile: path.optional(),
        certFile: path.optional(),
        keyFile: path.optional(),
      })
      .optional(),
  })
  .superRefine((settings, context) => {
    const problem = (at: string[], message: string) => context.addIssue({ code: 'custom', path: at, message });
    const methods = [
      settings.credsFile !== undefined && 'a creds file (NATS_CREDS)',
      (settings.user !== undefined || settings.password !== undefined) && 'a user and password (NATS_USER, NATS_PASSWORD)',
      settings.token !== undefined && 'a token (NATS_TOKEN)',
      (settings.nkeySeed !== undefined || settings.nkeySeedFile !== undefined) && 'an nkey seed (NATS_NKEY_SEED or NATS_NKEY_SEED_FILE)',
    ].filter((method): method is string => method !== false);
    if (methods.length > 1) problem([], `choose one way to authenticate to NATS; these are set: ${methods.join(', ')}`);
    if (settings.password !== undefined && settings.user === undefined) problem(['user'], 'a password is set (NATS_PASSWORD) but no user');
    if (settings.user !== undefined && settings.password === undefined) problem(['password'], `user "${settings.user}" is set but no password`);
    if (settings.nkeySeed !== undefined && settings.nkeySeedFile !== undefined) problem(['nkeySeedFile'], 'give the nkey seed inline (NATS_NKEY_SEED) or as a file, not both');

    const readable = (at: string[], file: string | undefined): boolean => {
      if (file === undefined) return false;
      try {
        readFileSync(file);
        return true;
      } catch (error) {
        problem(at, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        return false;
      }
    };
    if (readable(['credsFile'], settings.credsFile)) {
      try {
        // The client's own parser: the JWT and the seed must both be there and the seed valid.
        credsAuthenticator(readFileSync(settings.credsFile!))('check');
      } catch {
        problem(['credsFile'], `${settings.credsFile} is not a NATS creds file (a user JWT block and an nkey seed block)`);
      }
    }
    const seedFileReadable = readable(['nkeySeedFile'], settings.nkeySeedFile);
    if (settings.nkeySeed !== undefined || seedFileReadable) {
      if (!isUserSeed(settings)) {
        problem([settings.nkeySeed !== undefined ? 'nkeySeed' : 'nkeySeedFile'], 'not a NATS user nkey seed (one line starting with "SU")');
      }
    }
    readable(['tls', 'caFile'], settings.tls?.caFile);
    readable(['tls', 'certFile'], settings.tls?.certFile);
    readable(['tls', 'keyFile'], settings.tls?.keyFile);
    if ((settings.tls?.certFile === undefined) !== (settings.tls?.keyFile === undefined)) {
      problem(['tls'], 'a client certificate (NATS_TLS_CERT) and its key (NATS_TLS_KEY) go together');
    }
  });

export type NatsSettings = z.infer<typeof natsSettingsSchema>;

/** True when any setting says how to authenticate (then the settings are for a server of one's own, not the embedded one). */
export function hasNatsAuth(settings: NatsAuthSettings): boolean {
  return [settings.credsFile, settings.user, settings.password, settings.token, settings.nkeySeed, settings.nkeySeedFile].some((value) => value !== undefined);
}

function isUserSeed(settings: Pick<NatsAuthSettings, 'nkeySeed' | 'nkeySeedFile'>): boolean {
  try {
    return nkeys.fromSeed(nkeySeedBytes(settings)).getPublicKey().startsWith('U');
  } catch {
    return false;
  }
}
