import { describe, expect, it } from 'vitest';
import { useTestNode } from '../support/fixtures.ts';
import { runVigil } from '../support/vigil-cli.ts';

const fixture = useTestNode();
const run = (args: string[], env: Record<string, string> = {}) => runVigil(fixture, args, env);
const read = (token: string) => fetch(`http://127.0.0.1:${fixture.node.http.port}/entities/system/x`, { headers: { authorization: `Bearer ${token}` } });

describe('vigil token', () => {
  it('creates a token (printed once, on stdout alone), lists tokens without values, and revokes one', async () => {
    const created = await run(['token', 'create', '--name', 'oncall', '--role', 'viewer', '--expires', '90d']);
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout;
    expect(token).toMatch(/^vgl_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain('token oncall (viewer, expires ');
    expect((await read(token)).status).toBe(200);

    const listed = await run(['token', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).not.toContain(token);
    const tokens = JSON.parse(listed.stdout) as Array<{ name: string; role: string; expiresAt: number | null; createdBy: string }>;
    const oncall = tokens.find((entry) => entry.name === 'oncall')!;
    expect(oncall).toMatchObject({ role: 'viewer', createdBy: 'token:admin' });
    expect(oncall.expiresAt! - Date.now()).toBeGreaterThan(89 * 86_400_000);

    // A viewer may not manage tokens, and the CLI says why.
    const asViewer = await run(['token', 'list'], { VIGIL_TOKEN: token });
    expect(asViewer.code).toBe(1);
    expect(asViewer.stderr).toContain('FORBIDDEN');

    expect((await run(['token', 'revoke', 'oncall'])).code).toBe(0);
    expect((await read(token)).status).toBe(401);
    const again = await run(['token', 'create', '--name', 'oncall', '--role', 'viewer']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('CONFLICT');
  });

  it('refuses bad usage with exit code 2 and a missing or wrong token with a clear message', async () => {
    expect((await run(['token', 'create', '--name', 'Bad Name', '--role', 'viewer'])).code).toBe(2);
    expect((await run(['token', 'create', '--name', 'ok', '--role', 'root'])).code).toBe(2);
    expect((await run(['token', 'create', '--name', 'ok', '--role', 'viewer', '--expires', 'soon'])).code).toBe(2);
    const wrong = await run(['token', 'list'], { VIGIL_TOKEN: `vgl_${'x'.repeat(43)}` });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('UNAUTHENTICATED');
    const unreachable = await run(['token', 'list'], { VIGIL_URL: 'http://127.0.0.1:9' });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('no answer from http://127.0.0.1:9');
  });
});
