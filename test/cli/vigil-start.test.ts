import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { scaled } from '../support/time-scale.ts';

const vigilBin = fileURLToPath(new URL('../../bin/vigil.js', import.meta.url));

/** Environment of a machine where nothing Vigil-specific is configured. */
function bareEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = { HOME: process.env.HOME, PATH: process.env.PATH, ...extra };
  return environment;
}

function run(args: string[], env: NodeJS.ProcessEnv, cwd: string) {
  const child = spawn(process.execPath, [vigilBin, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

describe('vigil start', () => {
  it('starts on embedded defaults (PGlite + a nats-server child) with nothing configured, serves, and stops on SIGTERM', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'vigil-bare-'));
    const node = run(['start'], bareEnvironment({ VIGIL_HTTP_PORT: '0' }), cwd);
    let port = 0;
    // Stretched with VIGIL_TEST_TIME_SCALE: on a busy machine opening PGlite alone takes 20 s.
    const deadline = Date.now() + scaled(30_000);
    while (!port && Date.now() < deadline) {
      port = Number(node.output().match(/"port":(\d+),[^\n]*"msg":"vigil node ready"/)?.[1] ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(port, node.output()).toBeGreaterThan(0);
    expect(node.output()).toContain('"dialect":"pglite"');
    expect(node.output()).toContain('started embedded nats-server');
    // Safe by default: the embedded server wants the generated user, whose password is never logged.
    const natsUrl = node.output().match(/"url":"(nats:\/\/127\.0\.0\.1:\d+)"[^\n]*started embedded nats-server/)?.[1];
    expect(natsUrl).toBeDefined();
    await expect(connect({ servers: natsUrl })).rejects.toThrow(/Authorization Violation/);
    const { password } = JSON.parse(readFileSync(join(cwd, '.vigil', 'nats-auth.json'), 'utf8')) as { password: string };
    expect(node.output()).toContain('"msg":"connected to NATS"');
    expect(node.output()).not.toContain(password);

    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: true, nats: true } });
    // Nothing configured: the first start created an admin token, readable by this user only.
    const tokenFile = join(cwd, '.vigil', 'admin-token');
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(node.output()).toContain(tokenFile);
    const token = readFileSync(tokenFile, 'utf8').trim();
    expect(node.output()).not.toContain(token);
    const events = `http://127.0.0.1:${port}/entities/system/web/events`;
    const anonymous = await fetch(events, { method: 'POST', body: JSON.stringify({ type: 'create', name: 'Web' }) });
    expect(anonymous.status).toBe(401);
    const created = await fetch(events, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ type: 'create', name: 'Web' }) });
    expect(await created.json()).toMatchObject({ change: { kind: 'system', id: 'web', version: 1, cause: { actor: 'token:admin' } } });
    const refused = await fetch(events, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{"type":"create"}' });
    expect(refused.status).toBe(400);

    node.child.kill('SIGTERM');
    expect(await node.exited).toBe(0);
    expect(node.output()).toContain('"msg":"stopped"');
  });

  it('stops with a clear error when NATS_URL is unset and no nats-server is on PATH', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'vigil-bare-'));
    const node = run(['start'], { HOME: process.env.HOME, PATH: dirname(process.execPath), VIGIL_HTTP_PORT: '0' }, cwd);
    expect(await node.exited).toBe(2);
    expect(node.output()).toContain('no nats-server binary is on PATH');
    expect(node.output()).toContain('apt install nats-server');
  });

  it('stops with exit code 2 and names the variable when the configuration is invalid', async () => {
    const node = run(['start'], bareEnvironment({ VIGIL_HTTP_PORT: 'eighty' }), tmpdir());
    expect(await node.exited).toBe(2);
    expect(node.output()).toContain('VIGIL_HTTP_PORT="eighty": expected a number');
  });
});
