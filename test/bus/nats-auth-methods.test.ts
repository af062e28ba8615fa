import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nkeys } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus } from '../../bus/index.ts';
import { loadConfig } from '../../node/index.ts';
import { NatsProcess } from '../support/nats-process.ts';

/**
 * The ways to log in besides user and password, against real nats-servers: mutual TLS with an
 * nkey user (NATS_TLS_CA/CERT/KEY + NATS_NKEY_SEED_FILE), and a token (NATS_TOKEN). Each goes
 * through loadConfig and connectBus exactly as a node does.
 */
const dir = mkdtempSync(join(tmpdir(), 'vigil-nats-auth-'));
const file = (name: string) => join(dir, name);
const user = nkeys.createUser();
const token = `t${nkeys.createUser().getPublicKey().toLowerCase()}`;
let tlsServer: NatsProcess;
let tokenServer: NatsProcess;

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
function makeCertificates(): void {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const key = (name: string) => ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', name];
  openssl('req', '-x509', ...key('ca.key'), '-out', 'ca.pem', '-subj', '/CN=vigil-test-ca', '-days', '1');
  for (const [name, extensions] of [
    // nats.js checks a server at 127.0.0.1 under the name localhost.
    ['server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'],
    ['client', 'extendedKeyUsage=clientAuth\n'],
  ] as const) {
    writeFileSync(file(`${name}.ext`), extensions);
    openssl('req', ...key(`${name}.key`), '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`);
  }
}

function connectWith(url: string, env: Record<string, string>) {
  const config = loadConfig({ NATS_URL: url, ...env }, undefined);
  return connectBus({ servers: url, namespace: 'authmethods', name: 'auth-methods-test', auth: config.nats });
}

beforeAll(async () => {
  makeCertificates();
  writeFileSync(file('user.nk'), new TextDecoder().decode(user.getSeed()));
  tlsServer = new NatsProcess({
    config: [
      `tls { cert_file: ${JSON.stringify(file('server.pem'))}, key_file: ${JSON.stringify(file('server.key'))}, ca_file: ${JSON.stringify(file('ca.pem'))}, verify: true }`,
      `authorization { users: [ { nkey: ${user.getPublicKey()} } ] }`,
    ].join('\n'),
  });
  tokenServer = new NatsProcess({ config: `authorization { token: ${JSON.stringify(token)} }` });
  await Promise.all([tlsServer.start(), tokenServer.start()]);
});

afterAll(async () => {
  await Promise.all([tlsServer?.destroy(), tokenServer?.destroy()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('logging in to NATS', () => {
  it('with mutual TLS and an nkey seed file; another nkey is refused', async () => {
    const tls = { NATS_TLS_CA: file('ca.pem'), NATS_TLS_CERT: file('client.pem'), NATS_TLS_KEY: file('client.key') };
    const bus = await connectWith(tlsServer.url, { ...tls, NATS_NKEY_SEED_FILE: file('user.nk') });
    expect(bus.nc.info?.tls_required).toBe(true);
    await bus.nc.flush();
    await bus.close();

    const stranger = new TextDecoder().decode(nkeys.createUser().getSeed());
    await expect(connectWith(tlsServer.url, { ...tls, NATS_NKEY_SEED: stranger })).rejects.toThrow(/Authorization Violation/);
  });

  it('with a token; a wrong one is refused without being echoed', async () => {
    const bus = await connectWith(tokenServer.url, { NATS_TOKEN: token });
    await bus.nc.flush();
    await bus.close();
    const refused = await connectWith(tokenServer.url, { NATS_TOKEN: `${token}x` }).then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(refused).toContain('Authorization Violation');
    expect(refused).not.toContain(token);
  });
});
