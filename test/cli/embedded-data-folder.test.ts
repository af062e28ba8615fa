import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findLocalNode } from '../../node/index.ts';
import { processState, type ProcessIdentity } from '../../persistence/index.ts';
import { scaled } from '../support/time-scale.ts';

const vigilBin = fileURLToPath(new URL('../../bin/vigil.js', import.meta.url));
const started: ChildProcess[] = [];

afterAll(() => {
  for (const child of started) child.kill('SIGKILL');
});

/** `vigil <args>` in `cwd` with nothing configured but what `extra` sets (embedded PGlite and nats-server). */
function run(args: string[], cwd: string, extra: Record<string, string> = {}) {
  const child = spawn(process.execPath, [vigilBin, ...args], {
    env: { HOME: process.env.HOME, PATH: process.env.PATH, VIGIL_HTTP_PORT: '0', VIGIL_HTTP_HOST: '127.0.0.1', ...extra },
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  started.push(child);
  return { child, exited, output: () => output };
}

/** Starts `vigil start` and resolves with its HTTP port once it logged "vigil node ready". */
async function startNode(cwd: string, nodeId: string) {
  const node = run(['start'], cwd, { VIGIL_NODE_ID: nodeId });
  let port = 0;
  const deadline = Date.now() + 90_000;
  while (!port && Date.now() < deadline && node.child.exitCode === null) {
    port = Number(node.output().match(/"port":(\d+),[^\n]*"msg":"vigil node ready"/)?.[1] ?? 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(port, node.output()).toBeGreaterThan(0);
  return { ...node, port };
}

const natsRecord = (dataDir: string) => JSON.parse(readFileSync(join(dataDir, 'nats-server.json'), 'utf8')) as ProcessIdentity;

describe('the embedded data folder', () => {
  it('belongs to one process: a second node is refused, the CLI beside it works over HTTP while it writes; a kill -9 leaves nothing that blocks the restart', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'vigil-embedded-'));
    const dataDir = join(cwd, '.vigil');
    const first = await startNode(cwd, 'solo');

    // Discovery: node.json names the node, its pid and URLs, readable by anyone.
    const local = findLocalNode(dataDir);
    expect(local).toEqual({ nodeId: 'solo', pid: first.child.pid, httpUrl: `http://127.0.0.1:${first.port}`, natsUrl: expect.stringMatching(/^nats:\/\/127\.0\.0\.1:\d+$/), dataDir, startedAt: expect.any(String) });
    expect(statSync(join(dataDir, 'node.json')).mode & 0o777).toBe(0o644);
    expect(first.output()).toContain(`"httpUrl":"http://127.0.0.1:${first.port}"`);
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const created = await fetch(`${local!.httpUrl}/entities/system/web/events`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ type: 'create', name: 'Web' }) });
    expect(created.status).toBe(200);

    // A second node on the same folder: refused before it opens anything, exit code 2, holder named.
    const second = run(['start'], cwd, { VIGIL_NODE_ID: 'intruder' });
    expect(await second.exited).toBe(2);
    expect(second.output()).toContain(`is in use by another process: pid ${first.child.pid}, node id solo (vigil start) since `);
    expect(second.output()).toContain(`serves HTTP at http://127.0.0.1:${first.port}`);
    expect(second.output()).not.toContain('started embedded nats-server');

    // The CLI next to it talks to it over HTTP (found through node.json, with the admin token file),
    // while the node keeps writing: a client renames `web` again and again meanwhile.
    let writing = true;
    let acknowledged = 1;
    const writer = (async () => {
      while (writing) {
        const answer = await fetch(`${local!.httpUrl}/entities/system/web/events`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ type: 'update', name: `Web ${acknowledged}` }) });
        if (answer.status === 200) acknowledged++;
      }
    })();
    for (const args of [
      ['check', 'add', 'web-home', '--system', 'web', '--http', 'http://127.0.0.1:9/health'],
      ['satellite', 'add', 'edge-1', '--name', 'Edge 1', '--region', 'local'],
      ['check', 'list'],
      ['satellite', 'list'],
      ['maintenance', 'list'],
      ['automation', 'list'],
      ['runs', 'list'],
      ['token', 'list'],
      ['status'],
    ]) {
      const command = run(args, cwd);
      expect(await command.exited, `${args.join(' ')}: ${command.output()}`).toBe(0);
      expect(command.output()).not.toMatch(/Aborted|PersistenceError|at .*\.ts:\d+/);
    }
    writing = false;
    await writer;
    expect(acknowledged).toBeGreaterThan(10);
    // The one command that opens the embedded database itself is refused, no crash.
    const migrate = run(['migrate'], cwd);
    expect(await migrate.exited).toBe(2);
    expect(migrate.output()).toContain('is in use by another process');
    expect((await fetch(`http://127.0.0.1:${first.port}/readyz`)).status).toBe(200);

    // kill -9: the lock, node.json and the nats-server child stay behind.
    const leftoverNats = natsRecord(dataDir);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(existsSync(join(dataDir, 'vigil.lock'))).toBe(true);
    expect(findLocalNode(dataDir)).toBeUndefined();
    expect(processState(leftoverNats)).toBe('alive');

    // The restart takes the stale lock over at once, stops the orphaned nats-server, keeps the data.
    const restarted = await startNode(cwd, 'solo');
    expect(restarted.output()).not.toContain('DATA_FOLDER_LOCKED');
    expect(processState(leftoverNats)).toBe('gone');
    expect(findLocalNode(dataDir)).toMatchObject({ nodeId: 'solo', pid: restarted.child.pid });
    // Everything acknowledged before the kill is there.
    const read = async (port: number, kind: string, id: string) => (await fetch(`http://127.0.0.1:${port}/entities/${kind}/${id}`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect(await read(restarted.port, 'system', 'web')).toMatchObject({ kind: 'system', id: 'web', version: acknowledged, state: { name: `Web ${acknowledged - 1}` } });
    expect(await read(restarted.port, 'check', 'web-home')).toMatchObject({ version: 1, state: { systemId: 'web' } });
    expect(await read(restarted.port, 'satellite', 'edge-1')).toMatchObject({ stateValue: 'registered' });

    // A graceful stop removes node.json, the lock and its nats-server.
    const nats = natsRecord(dataDir);
    restarted.child.kill('SIGTERM');
    expect(await restarted.exited).toBe(0);
    expect(existsSync(join(dataDir, 'node.json'))).toBe(false);
    expect(existsSync(join(dataDir, 'vigil.lock'))).toBe(false);
    expect(existsSync(join(dataDir, 'nats-server.json'))).toBe(false);
    expect(processState(nats)).toBe('gone');

    // And the folder opens for the command that opens it once no node holds it.
    const after = run(['migrate'], cwd);
    expect(await after.exited, after.output()).toBe(0);

    // Stopped gracefully, started again: ready, with all its data.
    const third = await startNode(cwd, 'solo');
    expect(await read(third.port, 'system', 'web')).toMatchObject({ version: acknowledged });
    expect(await read(third.port, 'check', 'web-home')).toMatchObject({ version: 1 });
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
  }, scaled(240_000));
});
