import { describe, expect, it } from 'vitest';
import { runVigil } from '../support/vigil-cli.ts';

// No node is needed: every case fails before (or at) the first request.
const isolation = { databaseUrl: 'postgresql://127.0.0.1:9/none', namespace: 'none' };
const run = (...args: string[]) => runVigil(isolation, args, { VIGIL_URL: 'http://127.0.0.1:9' });
const stackTrace = /\n\s+at .+:\d+:\d+/;

describe('vigil: mistakes get a reason, never a stack trace', () => {
  it('an unknown flag or a flag without its value: exit code 2, which flag, where the usage is', async () => {
    for (const args of [['token', 'list', '--bogus'], ['status', '--name']]) {
      const result = await run(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^vigil: (Unknown option '--bogus'|Option '--name <value>' argument missing)/);
      expect(result.stderr).toContain('vigil --help');
      expect(result.stderr).not.toMatch(stackTrace);
    }
  });

  it('an unknown command: exit code 2 with the usage', async () => {
    const result = await run('launch');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "launch"');
  });

  it('no node to talk to: exit code 1 and what to do', async () => {
    const result = await run('check', 'list');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no answer from http://127.0.0.1:9');
    expect(result.stderr).toContain('VIGIL_URL');
    expect(result.stderr).not.toMatch(stackTrace);
  });
});
