import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { nkeys } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('starts from embedded defaults when nothing is configured', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.natsUrl).toBeUndefined();
    expect(config).toMatchObject({ namespace: 'vigil', http: { port: 8080 }, migrateOnStart: true, streamReplicas: 1 });
    expect(config.nodeId).toMatch(/^[A-Za-z0-9_\-]+$/);
  });

  it('shows no status page by default; VIGIL_STATUS_PAGE_GROUPS is a comma list of group ids', () => {
    expect(loadConfig({}).statusPage).toEqual({ title: 'Status', groupIds: [], cacheMs: 30_000 });
    expect(loadConfig({ VIGIL_STATUS_PAGE_GROUPS: ' web, db ,,', VIGIL_STATUS_PAGE_TITLE: 'ACME', VIGIL_STATUS_PAGE_CACHE_MS: '5000' }).statusPage).toEqual({ title: 'ACME', groupIds: ['web', 'db'], cacheMs: 5000 });
    expect(() => loadConfig({ VIGIL_STATUS_PAGE_GROUPS: 'web,no spaces' })).toThrow(/statusPage\.groupIds\.1/);
    expect(() => loadConfig({ VIGIL_STATUS_PAGE_GROUPS: 'web,web' })).toThrow(/must not repeat/);
    expect(() => loadConfig({ VIGIL_STATUS_PAGE_CACHE_MS: '10' })).toThrow(/VIGIL_STATUS_PAGE_CACHE_MS/);
  });

  it('reads environment variables, parsing numbers and booleans', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://vigil@db:5432/vigil',
      NATS_URL: 'nats://n1:4222,nats://n2:4222',
      VIGIL_NODE_ID: 'node-1',
      VIGIL_HTTP_PORT: '9000',
      VIGIL_MIGRATE_ON_START: 'false',
      VIGIL_COMMAND_TIMEOUT_MS: '2500',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgresql://vigil@db:5432/vigil',
      natsUrl: 'nats://n1:4222,nats://n2:4222',
      nodeId: 'node-1',
      http: { port: 9000 },
      migrateOnStart: false,
      timeouts: { commandMs: 2500 },
    });
  });

  it('reads VIGIL_METRICS_ALLOW as a comma list of addresses and CIDR ranges (default: empty) and names it when an entry is bad', () => {
    expect(loadConfig({}).metrics.allow).toEqual([]);
    expect(loadConfig({ VIGIL_METRICS_ALLOW: ' 127.0.0.1/32, 10.0.0.0/8,,::1 ' }).metrics.allow).toEqual(['127.0.0.1/32', '10.0.0.0/8', '::1']);
    expect(() => loadConfig({ VIGIL_METRICS_ALLOW: '127.0.0.1/32,localhost' })).toThrow(/metrics\.allow\.1 \(VIGIL_METRICS_ALLOW\): expected an IP address or a CIDR range/);
    expect(() => loadConfig({ VIGIL_METRICS_ALLOW: '10.0.0.0/33' })).toThrow(ConfigError);
  });

  it('merges a JSON file under the environment (environment wins)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vigil-config-')), 'vigil.json');
    writeFileSync(file, JSON.stringify({ nodeId: 'from-file', http: { host: '127.0.0.1' }, timeouts: { passivateAfterMs: 5000 } }));
    const config = loadConfig({ VIGIL_NODE_ID: 'from-env' }, file);
    expect(config).toMatchObject({ nodeId: 'from-env', http: { host: '127.0.0.1', port: 8080 }, timeouts: { passivateAfterMs: 5000, commandMs: 10_000 } });
  });

  it('names every bad value and where it came from', () => {
    let error: unknown;
    try {
      loadConfig({ VIGIL_HTTP_PORT: 'eighty', DATABASE_URL: 'not a url', VIGIL_NAMESPACE: 'Has.Dots', VIGIL_TIMER_POLL_MS: '-5' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('VIGIL_HTTP_PORT="eighty": expected a number');
    expect(message).toContain('databaseUrl (DATABASE_URL)');
    expect(message).toContain('namespace (VIGIL_NAMESPACE)');
    expect(message).toContain('timeouts.timerPollMs (VIGIL_TIMER_POLL_MS)');
  });

  it('refuses an unreadable or malformed config file clearly', () => {
    expect(() => loadConfig({}, '/nonexistent/vigil.json')).toThrow(/cannot read config file \/nonexistent\/vigil.json/);
    const file = join(mkdtempSync(join(tmpdir(), 'vigil-config-')), 'bad.json');
    writeFileSync(file, '[1, 2]');
    expect(() => loadConfig({}, file)).toThrow(/is not a JSON object/);
  });

  it('refuses text PostgreSQL cannot store in the config file, naming the value; accepts astral characters', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-config-'));
    for (const [character, name] of [['\u0000', 'U+0000'], ['\ud800', 'U+D800, a lone surrogate'], ['\udc00', 'U+DC00, a lone surrogate']]) {
      const file = join(dir, 'unstorable.json');
      writeFileSync(file, JSON.stringify({ dataDir: `data${character}`, secrets: { TOKEN: `s${character}` } }));
      expect(() => loadConfig({}, file)).toThrow(`dataDir (VIGIL_DATA_DIR): contains a character PostgreSQL cannot store (${name})`);
      expect(() => loadConfig({}, file)).toThrow(`secrets.TOKEN: contains a character PostgreSQL cannot store (${name})`);
    }
    const file = join(dir, 'emoji.json');
    writeFileSync(file, JSON.stringify({ dataDir: 'data-\u{1F680}', secrets: { TOKEN: '\ud83d\ude80' } }));
    expect(loadConfig({}, file)).toMatchObject({ dataDir: 'data-\u{1F680}', secrets: { TOKEN: '\u{1F680}' } });
  });

  it('reads the satellite limits (defaults: 60 s ahead, one day old, re-checks every 30 s)', () => {
    expect(loadConfig({}).satellites).toEqual({ maxClockAheadMs: 60_000, maxResultAgeMs: 86_400_000, credentialRecheckMs: 30_000, sessionSweepMs: 30_000 });
    const config = loadConfig({ VIGIL_SATELLITE_MAX_CLOCK_AHEAD_MS: '5000', VIGIL_SATELLITE_MAX_RESULT_AGE_MS: '0', VIGIL_SATELLITE_CREDENTIAL_RECHECK_MS: '1000', VIGIL_SATELLITE_SESSION_SWEEP_MS: '2000' });
    expect(config.satellites).toEqual({ maxClockAheadMs: 5000, maxResultAgeMs: 0, credentialRecheckMs: 1000, sessionSweepMs: 2000 });
    expect(() => loadConfig({ VIGIL_SATELLITE_MAX_CLOCK_AHEAD_MS: '-1' })).toThrow('satellites.maxClockAheadMs (VIGIL_SATELLITE_MAX_CLOCK_AHEAD_MS)');
  });

  it('reads the check history settings as durations (defaults: raw 14 days, hourly 90, daily 730, maintained hourly)', () => {
    const day = 86_400_000;
    expect(loadConfig({}).history).toEqual({ enabled: true, rawRetention: 14 * day, hourlyRetention: 90 * day, dailyRetention: 730 * day, maintenanceEvery: 3_600_000 });
    const config = loadConfig({ VIGIL_HISTORY_ENABLED: 'false', VIGIL_HISTORY_RAW_RETENTION: '7d', VIGIL_HISTORY_HOURLY_RETENTION: '36h', VIGIL_HISTORY_DAILY_RETENTION: String(400 * day), VIGIL_HISTORY_MAINTENANCE_EVERY: '15m' });
    expect(config.history).toEqual({ enabled: false, rawRetention: 7 * day, hourlyRetention: 36 * 3_600_000, dailyRetention: 400 * day, maintenanceEvery: 900_000 });
    expect(() => loadConfig({ VIGIL_HISTORY_RAW_RETENTION: '14 days' })).toThrow('history.rawRetention (VIGIL_HISTORY_RAW_RETENTION)');
    expect(() => loadConfig({ VIGIL_HISTORY_HOURLY_RETENTION: '12h' })).toThrow('history.hourlyRetention (VIGIL_HISTORY_HOURLY_RETENTION): at least 1d');
  });

  it('reads the clock offset bounds (defaults: warn above 100 ms, standby above 500 ms)', () => {
    expect(loadConfig({}).clock).toEqual({ warnOffsetMs: 100, maxOffsetMs: 500 });
    expect(loadConfig({ VIGIL_CLOCK_WARN_OFFSET_MS: '1000', VIGIL_MAX_CLOCK_OFFSET_MS: '5000' }).clock).toEqual({ warnOffsetMs: 1000, maxOffsetMs: 5000 });
    expect(() => loadConfig({ VIGIL_MAX_CLOCK_OFFSET_MS: '0' })).toThrow('clock.maxOffsetMs (VIGIL_MAX_CLOCK_OFFSET_MS)');
    expect(() => loadConfig({ VIGIL_CLOCK_WARN_OFFSET_MS: '600' })).toThrow('clock.warnOffsetMs (VIGIL_CLOCK_WARN_OFFSET_MS): must not be above clock.maxOffsetMs (500)');
  });
});

describe('loadConfig: NATS credentials and TLS', () => {
  const folder = () => mkdtempSync(join(tmpdir(), 'vigil-nats-config-'));
  const password = 'correct-horse-battery-staple-42';
  const seed = new TextDecoder().decode(nkeys.createUser().getSeed());

  function problems(env: Record<string, string>, file?: string): string {
    try {
      loadConfig(env, file);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('expected the configuration to be refused');
  }

  it('reads a user and password; the password prints as [redacted] everywhere', () => {
    const config = loadConfig({ NATS_URL: 'nats://n1:4222', NATS_USER: 'vigil-nodes', NATS_PASSWORD: password });
    expect(config.nats.user).toBe('vigil-nodes');
    expect(config.nats.password?.reveal()).toBe(password);
    expect(JSON.stringify(config)).not.toContain(password);
    expect(JSON.stringify(config)).toContain('"password":"[redacted]"');
    expect(String(config.nats.password)).toBe('[redacted]');
    expect(inspect(config, { depth: 10 })).not.toContain(password);
  });

  it('reads the same settings from the config file (nats.*), and a token, an nkey seed (inline or file), TLS files and an inbox prefix', () => {
    const dir = folder();
    const file = join(dir, 'vigil.json');
    writeFileSync(file, JSON.stringify({ natsUrl: 'nats://n1:4222', nats: { user: 'from-file', password } }));
    expect(loadConfig({}, file).nats).toMatchObject({ user: 'from-file' });
    expect(loadConfig({ NATS_URL: 'nats://n1:4222', NATS_TOKEN: 's3cr3t-token' }).nats.token?.reveal()).toBe('s3cr3t-token');
    expect(loadConfig({ NATS_URL: 'nats://n1:4222', NATS_NKEY_SEED: seed }).nats.nkeySeed?.reveal()).toBe(seed);
    writeFileSync(join(dir, 'user.nk'), `${seed}\n`);
    writeFileSync(join(dir, 'ca.pem'), 'ca');
    writeFileSync(join(dir, 'cert.pem'), 'cert');
    writeFileSync(join(dir, 'key.pem'), 'key');
    const config = loadConfig({
      NATS_URL: 'tls://n1:4222',
      NATS_NKEY_SEED_FILE: join(dir, 'user.nk'),
      NATS_TLS_CA: join(dir, 'ca.pem'),
      NATS_TLS_CERT: join(dir, 'cert.pem'),
      NATS_TLS_KEY: join(dir, 'key.pem'),
      NATS_INBOX_PREFIX: '_INBOX_vigil-commands',
    });
    expect(config.nats).toMatchObject({ nkeySeedFile: join(dir, 'user.nk'), inboxPrefix: '_INBOX_vigil-commands', tls: { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') } });
  });

  it('refuses half-given or conflicting credentials, naming the variables and never printing a secret', () => {
    const base = { NATS_URL: 'nats://n1:4222' };
    const withoutUser = problems({ ...base, NATS_PASSWORD: password });
    expect(withoutUser).toContain('nats.user (NATS_USER): a password is set (NATS_PASSWORD) but no user');
    expect(problems({ ...base, NATS_USER: 'vigil-nodes' })).toContain('nats.password (NATS_PASSWORD): user "vigil-nodes" is set but no password');
    const two = problems({ ...base, NATS_USER: 'vigil-nodes', NATS_PASSWORD: password, NATS_TOKEN: 'another-secret-token' });
    expect(two).toContain('choose one way to authenticate to NATS');
    expect(two).toContain('a user and password (NATS_USER, NATS_PASSWORD), a token (NATS_TOKEN)');
    const badSeed = problems({ ...base, NATS_NKEY_SEED: 'SUnotaseed-but-secret' });
    expect(badSeed).toContain('nats.nkeySeed (NATS_NKEY_SEED): not a NATS user nkey seed');
    const accountSeed = new TextDecoder().decode(nkeys.createAccount().getSeed());
    expect(problems({ ...base, NATS_NKEY_SEED: accountSeed })).toContain('not a NATS user nkey seed');
    expect(problems({ NATS_USER: 'vigil-nodes', NATS_PASSWORD: password })).toContain('natsUrl (NATS_URL): NATS credentials are set but NATS_URL is not');
    for (const message of [withoutUser, two, badSeed, problems({ ...base, NATS_NKEY_SEED: accountSeed })]) {
      for (const secret of [password, 'another-secret-token', 'SUnotaseed-but-secret', accountSeed]) expect(message).not.toContain(secret);
    }
  });

  it('refuses unreadable files and a creds file that is not one, naming the path but not the content', () => {
    const dir = folder();
    const missing = join(dir, 'missing.creds');
    expect(problems({ NATS_URL: 'nats://n1:4222', NATS_CREDS: missing })).toContain(`nats.credsFile (NATS_CREDS): cannot read ${missing}: ENOENT`);
    const notCreds = join(dir, 'user.creds');
    writeFileSync(notCreds, `password=${password}\n`);
    const message = problems({ NATS_URL: 'nats://n1:4222', NATS_CREDS: notCreds });
    expect(message).toContain(`${notCreds} is not a NATS creds file`);
    expect(message).not.toContain(password);
    expect(problems({ NATS_URL: 'nats://n1:4222', NATS_TLS_CA: join(dir, 'ca.pem') })).toContain(`nats.tls.caFile (NATS_TLS_CA): cannot read ${join(dir, 'ca.pem')}`);
    writeFileSync(join(dir, 'cert.pem'), 'cert');
    expect(problems({ NATS_URL: 'nats://n1:4222', NATS_TLS_CERT: join(dir, 'cert.pem') })).toContain('a client certificate (NATS_TLS_CERT) and its key (NATS_TLS_KEY) go together');
    expect(problems({ NATS_URL: 'nats://n1:4222', NATS_INBOX_PREFIX: '_INBOX.>' })).toContain('nats.inboxPrefix (NATS_INBOX_PREFIX)');
  });

  it('accepts a real creds file', () => {
    const file = join(folder(), 'user.creds');
    writeFileSync(file, credsFile(seed));
    expect(loadConfig({ NATS_URL: 'nats://n1:4222', NATS_CREDS: file }).nats.credsFile).toBe(file);
  });
});

/** A creds file as `nsc` writes it (the JWT is not checked by the client, only by the server). */
function credsFile(seed: string): string {
  return [
    '-----BEGIN NATS USER JWT-----',
    'eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJzdWIiOiJVQUJDIn0.c2lnbmF0dXJl',
    '------END NATS USER JWT------',
    '',
    '************************* IMPORTANT *************************',
    'NKEY Seed printed below can be used to sign and prove identity.',
    '',
    '-----BEGIN USER NKEY SEED-----',
    seed,
    '------END USER NKEY SEED------',
    '',
  ].join('\n');
}
