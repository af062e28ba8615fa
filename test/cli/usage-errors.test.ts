import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runVigil } from '../support/vigil-cli.ts';

// No node is needed: every case fails before (or at) the first request. Each runs the built bin
// as a process, as a user would.
const isolation = { databaseUrl: 'postgresql://127.0.0.1:9/none', namespace: 'none' };
const run = (args: string[], env: Record<string, string> = {}) => runVigil(isolation, args, { VIGIL_URL: 'http://127.0.0.1:9', VIGIL_DEBUG: '', ...env });
const stackTrace = /\n\s+at .+:\d+:\d+/;
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('vigil: mistakes get a reason and where the usage is, never a stack trace (exit code 2)', () => {
  it.each([
    { args: ['launch'], reason: "unknown command 'launch'", help: 'vigil --help' },
    { args: ['stauts'], reason: "unknown command 'stauts'\n(Did you mean status?)", help: 'vigil --help' },
    { args: ['token', 'rename'], reason: "unknown command 'rename'", help: 'vigil token --help' },
    { args: ['token', 'list', '--bogus'], reason: "unknown option '--bogus'", help: 'vigil token list --help' },
    { args: ['status', '--name', 'x'], reason: "unknown option '--name'", help: 'vigil status --help' },
    { args: ['token', 'create', '--role', 'viewer', '--name'], reason: "option '--name <name>' argument missing", help: 'vigil token create --help' },
    { args: ['satellite', 'add', 'edge-1', '--name', 'Edge 1'], reason: "required option '--region <region>' not specified", help: 'vigil satellite add --help' },
    { args: ['token', 'revoke'], reason: "missing required argument 'name'", help: 'vigil token revoke --help' },
    { args: ['check', 'list', 'extra'], reason: "too many arguments for 'list'", help: 'vigil check list --help' },
    // Values of the wrong shape, checked with zod before anything is sent, named like the parser names options.
    { args: ['check', 'add', 'web', '--system', 'shop', '--http', 'http://shop/health', '--interval', '5x'], reason: `option '--interval <duration>' argument "5x" is invalid: expected a duration such as 1500ms, 30s, 5m, 2h or 90d`, help: 'vigil check add --help' },
    { args: ['token', 'create', '--name', 'ok', '--role', 'root'], reason: `option '--role <role>' argument "root" is invalid: expected one of viewer, operator, admin`, help: 'vigil token create --help' },
    { args: ['check', 'remove', 'a b'], reason: `argument 'id' "a b" is invalid: ids are 1-128 characters`, help: 'vigil check remove --help' },
    { args: ['check', 'add', 'web', '--system', 'shop'], reason: 'give what to probe: --http <url>, --tcp <host:port>, --dns <name>, --tls <host[:port]>, --strategy <json|@file>, or --push --period <duration> for a job that pings', help: 'vigil check add --help' },
    { args: ['check', 'add', 'web', '--system', 'shop', '--tls', 'shop.example', '--contains', 'ok'], reason: '--contains goes with --http, not --tls', help: 'vigil check add --help' },
    { args: ['check', 'update', 'web', '--expect', '2xx'], reason: '--expect goes with --http, --tcp, --dns or --tls (the strategy is given whole, also on update)', help: 'vigil check update --help' },
    { args: ['check', 'add', 'web', '--system', 'shop', '--http', 'http://shop/', '--expect', '2xy'], reason: `option '--expect <statuses>' argument "2xy" is invalid: expected HTTP statuses such as 200, 2xx, 200-299 or 200,3xx`, help: 'vigil check add --help' },
  ])('vigil $args.0 …: $reason', async ({ args, reason, help }) => {
    const result = await run(args);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.startsWith(`vigil: ${reason}`), result.stderr).toBe(true);
    expect(result.stderr).toContain(`(see \`${help}\`)`);
    expect(result.stderr).not.toMatch(stackTrace);
    expect(result.stdout).toBe('');
  });

  it('a command group without its command, or vigil alone: its usage on stderr', async () => {
    for (const args of [[], ['token']]) {
      const result = await run(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(`Usage: ${['vigil', ...args].join(' ')} [options] [command]`);
      expect(result.stdout).toBe('');
    }
  });

  it('a configuration it cannot use: exit code 2, which variable and why', async () => {
    const badUrl = await run(['status'], { VIGIL_URL: 'vigil-1:8080' });
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('VIGIL_URL="vigil-1:8080": expected an http(s) URL such as http://vigil-1:8080');
    // No token anywhere: not VIGIL_TOKEN, not VIGIL_ADMIN_TOKEN, no admin-token file in the data folder.
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-no-token-'));
    const noToken = await run(['check', 'list'], { VIGIL_TOKEN: '', VIGIL_ADMIN_TOKEN: '', VIGIL_DATA_DIR: dataDir });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('no API token: set VIGIL_TOKEN');
    expect(noToken.stderr).not.toMatch(stackTrace);
    const badToken = await run(['status'], { VIGIL_TOKEN: 'short' });
    expect(badToken.code).toBe(2);
    expect(badToken.stderr).toContain('VIGIL_TOKEN: an API token has at least 32 characters');
    expect(badToken.stderr).not.toContain('short');
  });
});

describe('vigil --help and --version', () => {
  it('--help at the top and on a command print the usage on stdout, exit code 0', async () => {
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^Usage: vigil \[options\] \[command\]/);
    for (const command of ['start', 'status', 'token', 'check', 'maintenance', 'automation', 'runs', 'catalog', 'nats-accounts', 'apply']) expect(top.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    expect(top.stdout).toContain('Exit codes: 0 done; 1 failed');
    expect(top.stderr).toBe('');

    const sub = await run(['check', 'add', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toMatch(/^Usage: vigil check add \[options\] <id>/);
    expect(sub.stdout).toMatch(/--interval <duration>\s+how often to probe \(default: 60s\)/);
    expect(sub.stdout).toContain('--debug');
    expect((await run(['maintenance', 'help', 'add'])).stdout).toMatch(/^Usage: vigil maintenance add \[options\] <id>/);
  });

  it('--version prints the version of package.json', async () => {
    for (const flag of ['--version', '-V']) {
      const result = await run([flag]);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(version);
    }
  });
});

describe('vigil: a command that ran and failed (exit code 1)', () => {
  it('no node to talk to: one line with what to do; --debug or VIGIL_DEBUG=1 add the stack trace', async () => {
    const result = await run(['check', 'list']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining('no answer from http://127.0.0.1:9')]);
    expect(result.stderr).toContain('VIGIL_URL');
    expect(result.stderr).not.toMatch(stackTrace);

    for (const [args, env] of [
      [['--debug', 'check', 'list'], {}],
      [['status', '--debug'], {}],
      [['status'], { VIGIL_DEBUG: '1' }],
    ] as const) {
      const debugged = await run([...args], env);
      expect(debugged.code, args.join(' ')).toBe(1);
      expect(debugged.stderr).toContain('CommandRefusedError: UNREACHABLE: no answer from http://127.0.0.1:9');
      expect(debugged.stderr).toMatch(stackTrace);
      expect(debugged.stderr).toContain('caused by: Error: connect ECONNREFUSED 127.0.0.1:9');
    }
  });
});
