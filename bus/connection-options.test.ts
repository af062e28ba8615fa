import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nkeys, type Authenticator } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { describeNatsAuth, natsConnectionOptions } from './connection-options.ts';
import { redactServers } from './connection.ts';
import { Secret } from './secret.ts';

const user = nkeys.createUser();
const seed = new TextDecoder().decode(user.getSeed());
const authenticate = (authenticator: Authenticator | Authenticator[] | undefined) => (authenticator as Authenticator)('nonce');

describe('natsConnectionOptions', () => {
  it('connects anonymously, without TLS options, when nothing is set', () => {
    expect(natsConnectionOptions({})).toEqual({});
    expect(describeNatsAuth({})).toEqual({ auth: 'none', tls: false });
  });

  it('builds the authenticator of each way to authenticate', () => {
    expect(authenticate(natsConnectionOptions({ user: 'vigil-nodes', password: new Secret('pw') }).authenticator)).toEqual({ user: 'vigil-nodes', pass: 'pw' });
    expect(authenticate(natsConnectionOptions({ token: new Secret('tok') }).authenticator)).toEqual({ auth_token: 'tok' });
    const nkey = authenticate(natsConnectionOptions({ nkeySeed: new Secret(seed) }).authenticator) as { nkey: string; sig: string };
    expect(nkey.nkey).toBe(user.getPublicKey());
    expect(user.verify(new TextEncoder().encode('nonce'), nkeys.decode(nkey.sig))).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'vigil-nats-options-'));
    writeFileSync(join(dir, 'user.nk'), `${seed}\n`);
    expect(authenticate(natsConnectionOptions({ nkeySeedFile: join(dir, 'user.nk') }).authenticator)).toMatchObject({ nkey: user.getPublicKey() });
    writeFileSync(join(dir, 'user.creds'), `-----BEGIN NATS USER JWT-----\nthe.user.jwt\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n`);
    expect(authenticate(natsConnectionOptions({ credsFile: join(dir, 'user.creds') }).authenticator)).toMatchObject({ jwt: 'the.user.jwt', nkey: user.getPublicKey() });
  });

  it('asks for TLS with the given files and sets the inbox prefix', () => {
    const options = natsConnectionOptions({ tls: { caFile: '/etc/ca.pem', certFile: '/etc/c.pem', keyFile: '/etc/k.pem' }, inboxPrefix: '_INBOX_vigil-commands' });
    expect(options).toEqual({ tls: { caFile: '/etc/ca.pem', certFile: '/etc/c.pem', keyFile: '/etc/k.pem' }, inboxPrefix: '_INBOX_vigil-commands' });
    expect(describeNatsAuth({ token: new Secret('tok'), tls: {} })).toEqual({ auth: 'token', tls: true });
    expect(JSON.stringify(describeNatsAuth({ user: 'u', password: new Secret('pw') }))).not.toContain('pw');
  });
});

describe('redactServers', () => {
  it('masks credentials written into server URLs, and leaves the rest', () => {
    expect(redactServers('nats://vigil:p@ss@n1:4222, tls://tok@n2:4222,nats://n3:4222')).toBe('nats://[redacted]@n1:4222, tls://[redacted]@n2:4222,nats://n3:4222');
  });
});
