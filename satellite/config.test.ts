import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfig, type ConfigReading } from './config.ts';
import { agentSettings, usage } from './settings.ts';
import { AGENT_VERSION } from './version.ts';

const token = `edge-1.${'s'.repeat(43)}`;
const required = { VIGIL_SATELLITE_TOKEN: token, VIGIL_GATEWAYS: 'ws://a:8080' };
const folder = mkdtempSync(join(tmpdir(), 'vigil-satellite-config-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function configOf(reading: ConfigReading) {
  if (reading.kind !== 'run') throw new Error(`expected a configuration, got ${JSON.stringify(reading)}`);
  return reading.config;
}
function problemsOf(reading: ConfigReading): string[] {
  if (reading.kind !== 'invalid') throw new Error(`expected problems, got ${reading.kind}`);
  return reading.problems;
}

describe('readConfig', () => {
  it('takes the defaults of every optional setting', () => {
    expect(configOf(readConfig([], required))).toEqual({
      token,
      gateways: ['ws://a:8080'],
      heartbeatMs: 15_000,
      maxBufferedResults: 1_000,
      ackTimeoutMs: 30_000,
      maxAuthFailures: 5,
      logLevel: 'info',
      summaryIntervalMs: 60_000,
    });
  });

  it('reads every setting from its variable, and a flag overrides its variable', () => {
    const env = {
      ...required,
      VIGIL_GATEWAYS: 'ws://a:1, wss://b:2',
      VIGIL_SATELLITE_HEARTBEAT_MS: '2000',
      VIGIL_SATELLITE_MAX_BUFFERED_RESULTS: '10',
      VIGIL_SATELLITE_ACK_TIMEOUT_MS: '4000',
      VIGIL_SATELLITE_MAX_AUTH_FAILURES: '2',
      VIGIL_SATELLITE_LOG_LEVEL: 'warn',
      VIGIL_SATELLITE_SUMMARY_INTERVAL_MS: '0',
    };
    expect(configOf(readConfig([], env))).toMatchObject({ gateways: ['ws://a:1', 'wss://b:2'], heartbeatMs: 2_000, maxBufferedResults: 10, ackTimeoutMs: 4_000, maxAuthFailures: 2, logLevel: 'warn', summaryIntervalMs: 0 });
    const flags = ['--gateways', 'ws://c:3', '--gateways=ws://d:4,ws://e:5', '--heartbeat-ms=3000', '--max-buffered-results', '0', '--ack-timeout-ms', '5000', '--max-auth-failures', '9', '--log-level', 'debug', '--summary-interval-ms', '1000'];
    expect(configOf(readConfig(flags, env))).toEqual({
      token,
      gateways: ['ws://c:3', 'ws://d:4', 'ws://e:5'],
      heartbeatMs: 3_000,
      maxBufferedResults: 0,
      ackTimeoutMs: 5_000,
      maxAuthFailures: 9,
      logLevel: 'debug',
      summaryIntervalMs: 1_000,
    });
  });

  it('names the flag when a flag is wrong and the variable when a variable is', () => {
    expect(problemsOf(readConfig(['--heartbeat-ms', '10'], required))).toEqual(['--heartbeat-ms: Too small: expected number to be >=1000']);
    expect(problemsOf(readConfig([], { ...required, VIGIL_SATELLITE_HEARTBEAT_MS: '15s' }))[0]).toMatch(/^VIGIL_SATELLITE_HEARTBEAT_MS: /);
    expect(problemsOf(readConfig(['--log-level=verbose'], required))[0]).toMatch(/^--log-level: .*"debug"\|"info"\|"warn"\|"error"/);
    expect(problemsOf(readConfig([], { ...required, VIGIL_SATELLITE_SUMMARY_INTERVAL_MS: '500' }))).toEqual(['VIGIL_SATELLITE_SUMMARY_INTERVAL_MS: 0 (off) or at least 1000']);
    expect(problemsOf(readConfig(['--gateways', 'http://a'], required))).toEqual(['--gateways: ws:// or wss:// URL']);
    expect(problemsOf(readConfig([], { VIGIL_SATELLITE_TOKEN: token }))[0]).toMatch(/^VIGIL_GATEWAYS: /);
  });

  it('says what is missing without a token, and never repeats a malformed one', () => {
    expect(problemsOf(readConfig([], { VIGIL_GATEWAYS: 'ws://a' }))).toEqual(['VIGIL_SATELLITE_TOKEN is not set (the token printed by `vigil satellite add`), nor VIGIL_SATELLITE_TOKEN_FILE or --token-file']);
    const problems = problemsOf(readConfig([], { VIGIL_GATEWAYS: 'ws://a', VIGIL_SATELLITE_TOKEN: 'edge-1.tooshort' }));
    expect(problems).toEqual(['VIGIL_SATELLITE_TOKEN: expected <satelliteId>.<secret> as printed by `vigil satellite add`']);
  });

  it('refuses the token as a flag, in any spelling, without repeating it', () => {
    for (const argv of [['--token', token], [`--token=${token}`], ['--token']]) {
      const problems = problemsOf(readConfig(argv, required));
      expect(problems[0]).toMatch(/^--token is not accepted: the command line is visible to every user \(ps\)/);
      expect(problems.join('\n')).not.toContain('s'.repeat(43));
    }
  });

  it('refuses unknown options, positional arguments and flags without a value, repeating no value', () => {
    expect(problemsOf(readConfig(['--heartbeat', '1000'], required))).toEqual(['unknown option --heartbeat (see --help)', 'vigil-satellite takes no arguments, only options (see --help)']);
    expect(problemsOf(readConfig([token], required)).join('\n')).not.toContain(token);
    expect(problemsOf(readConfig(['--heartbeat-ms'], required))).toEqual(['--heartbeat-ms needs a value (write --heartbeat-ms=<value> for one that starts with -)']);
    expect(problemsOf(readConfig(['--log-level', '--help'], required))[0]).toMatch(/^--log-level needs a value/);
    expect(problemsOf(readConfig(['--help=yes'], required))).toEqual(['--help takes no value']);
  });

  it('answers --help and --version before looking at the other settings', () => {
    expect(readConfig(['--help'], {})).toEqual({ kind: 'help' });
    expect(readConfig(['-h', '--heartbeat-ms', '5'], {})).toEqual({ kind: 'help' });
    expect(readConfig(['--version'], {})).toEqual({ kind: 'version' });
    expect(readConfig(['-v'], {})).toEqual({ kind: 'version' });
  });

  describe('the token file', () => {
    const file = join(folder, 'token');
    writeFileSync(file, `  ${token}\n`, { mode: 0o600 });

    it('reads the token from --token-file or VIGIL_SATELLITE_TOKEN_FILE, around whitespace', () => {
      expect(configOf(readConfig(['--token-file', file], { VIGIL_GATEWAYS: 'ws://a' })).token).toBe(token);
      expect(configOf(readConfig([], { VIGIL_GATEWAYS: 'ws://a', VIGIL_SATELLITE_TOKEN_FILE: file })).token).toBe(token);
    });

    it('lets --token-file override both variables, and refuses both variables at once', () => {
      expect(configOf(readConfig([`--token-file=${file}`], { ...required, VIGIL_SATELLITE_TOKEN: `other.${'o'.repeat(43)}`, VIGIL_SATELLITE_TOKEN_FILE: '/nowhere' })).token).toBe(token);
      expect(problemsOf(readConfig([], { ...required, VIGIL_SATELLITE_TOKEN_FILE: file }))).toEqual(['VIGIL_SATELLITE_TOKEN and VIGIL_SATELLITE_TOKEN_FILE are both set: set one of them']);
    });

    it('names the file and its source when it cannot be read, is empty or holds no token, never its content', () => {
      expect(problemsOf(readConfig(['--token-file', join(folder, 'missing')], required))).toEqual([`--token-file: cannot read ${join(folder, 'missing')} (ENOENT)`]);
      const empty = join(folder, 'empty');
      writeFileSync(empty, '\n');
      expect(problemsOf(readConfig([], { VIGIL_GATEWAYS: 'ws://a', VIGIL_SATELLITE_TOKEN_FILE: empty }))).toEqual([`VIGIL_SATELLITE_TOKEN_FILE: ${empty} is empty`]);
      const wrong = join(folder, 'wrong');
      writeFileSync(wrong, 'not a token at all, secret-ish text');
      const problems = problemsOf(readConfig(['--token-file', wrong], required));
      expect(problems).toEqual([`--token-file (${wrong}): expected <satelliteId>.<secret> as printed by \`vigil satellite add\``]);
    });
  });
});

describe('usage (--help)', () => {
  it('lists every setting: its flag, its variable and its default', () => {
    const text = usage(AGENT_VERSION);
    for (const setting of Object.values(agentSettings)) {
      expect(text).toContain(setting.env);
      if ('flag' in setting) expect(text).toContain(`--${setting.flag} ${setting.value}`);
      if ('default' in setting) expect(text).toContain(`${setting.env} (default ${setting.default})`);
    }
    expect(text).not.toMatch(/--token /);
  });

  it('prints the version packages/satellite/package.json is published with', () => {
    const manifest = JSON.parse(readFileSync(new URL('../packages/satellite/package.json', import.meta.url), 'utf8')) as { version: string };
    expect(AGENT_VERSION).toBe(manifest.version);
  });
});
