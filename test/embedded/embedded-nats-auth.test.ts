import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { natsConnectionOptions } from '../../bus/index.ts';
import { EmbeddedNatsError, startEmbeddedNats } from '../../node/index.ts';

const mode = (file: string) => statSync(file).mode & 0o777;

describe('the embedded nats-server', () => {
  it('admits only the generated user, whose password is kept 0600 in the data dir and reused at the next start', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'vigil-embedded-')), 'data');
    const first = await startEmbeddedNats(dataDir);
    let password: string;
    try {
      expect(first.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
      expect(first.authFile).toBe(join(dataDir, 'nats-auth.json'));
      expect(mode(first.authFile)).toBe(0o600);
      expect(mode(join(dataDir, 'nats', 'nats-server.conf'))).toBe(0o600);
      expect(mode(dataDir)).toBe(0o700);
      const stored = JSON.parse(readFileSync(first.authFile, 'utf8')) as { user: string; password: string };
      expect(stored.user).toBe('vigil-nodes');
      expect(stored.password).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(first.auth.password.reveal()).toBe(stored.password);
      password = stored.password;

      await expect(connect({ servers: first.url })).rejects.toThrow(/Authorization Violation/);
      await expect(connect({ servers: first.url, user: 'vigil-nodes', pass: 'guess' })).rejects.toThrow(/Authorization Violation/);
      const nc = await connect({ servers: first.url, ...natsConnectionOptions(first.auth) });
      await nc.close();
    } finally {
      await first.stop();
    }

    // Loosened by hand: tightened again, and the same password is used.
    chmodSync(first.authFile, 0o644);
    const second = await startEmbeddedNats(dataDir);
    try {
      expect(mode(second.authFile)).toBe(0o600);
      expect(second.auth.password.reveal()).toBe(password);
      const nc = await connect({ servers: second.url, ...natsConnectionOptions(second.auth) });
      await nc.close();
    } finally {
      await second.stop();
    }
  });

  it('refuses an auth file that is not its own, saying how to recover', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-embedded-'));
    writeFileSync(join(dataDir, 'nats-auth.json'), '{"user":"vigil-nodes","password":"short"}');
    const refused = await startEmbeddedNats(dataDir).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(EmbeddedNatsError);
    expect((refused as EmbeddedNatsError).code).toBe('NATS_AUTH_FILE_INVALID');
    expect((refused as Error).message).toContain('delete it and a new password is generated at the next start');
    expect((refused as Error).message).not.toContain('short');
  });
});
