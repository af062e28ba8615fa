import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('reads the satellite limits (defaults: 60 s ahead, one day old, re-checks every 30 s)', () => {
    expect(loadConfig({}).satellites).toEqual({ maxClockAheadMs: 60_000, maxResultAgeMs: 86_400_000, credentialRecheckMs: 30_000, sessionSweepMs: 30_000 });
    const config = loadConfig({ VIGIL_SATELLITE_MAX_CLOCK_AHEAD_MS: '5000', VIGIL_SATELLITE_MAX_RESULT_AGE_MS: '0', VIGIL_SATELLITE_CREDENTIAL_RECHECK_MS: '1000', VIGIL_SATELLITE_SESSION_SWEEP_MS: '2000' });
    expect(config.satellites).toEqual({ maxClockAheadMs: 5000, maxResultAgeMs: 0, credentialRecheckMs: 1000, sessionSweepMs: 2000 });
    expect(() => loadConfig({ VIGIL_SATELLITE_MAX_CLOCK_AHEAD_MS: '-1' })).toThrow('satellites.maxClockAheadMs (VIGIL_SATELLITE_MAX_CLOCK_AHEAD_MS)');
  });
});
