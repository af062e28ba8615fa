import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SatelliteCredentialStore } from '../../persistence/index.ts';
import { useTestNode } from '../support/fixtures.ts';
import { agentLogLines } from '../support/satellite-agent.ts';
import { waitFor } from '../support/stream-reader.ts';
import { scaled } from '../support/time-scale.ts';

/**
 * The agent as an operator installs it alone: `npm pack` of packages/satellite, the tarball
 * installed offline into an empty folder (it has no dependencies, so nothing else comes), and its
 * bin run from there with nothing of this checkout in reach, against a real node.
 */
const fixture = useTestNode();
const packageFolder = fileURLToPath(new URL('../../packages/satellite/', import.meta.url));
const manifest = JSON.parse(readFileSync(join(packageFolder, 'package.json'), 'utf8')) as { name: string; version: string };
const workspace = mkdtempSync(join(tmpdir(), 'vigil-satellite-package-'));
const installFolder = join(workspace, 'install');
const maxUnpackedBytes = 2 * 1024 * 1024;
let site: Server;

beforeAll(async () => {
  site = createServer((_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => site.close(resolve));
  rmSync(workspace, { recursive: true, force: true });
});

/** The environment of the installed agent: this Node first on PATH (for the bin's `#!/usr/bin/env node`), nothing else of the test's. */
function agentEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, HOME: workspace, ...extra };
}

function bytesUnder(folder: string): number {
  return readdirSync(folder, { withFileTypes: true }).reduce((sum, entry) => {
    const path = join(folder, entry.name);
    return sum + (entry.isDirectory() ? bytesUnder(path) : entry.isFile() ? statSync(path).size : 0);
  }, 0);
}

describe('the @vigil/satellite package', () => {
  it('packs, installs offline alone (under 2 MB) and its bin connects to a node and reports a result', async () => {
    // Pack (its prepack bundles the agent again from the sources).
    const packed = execFileSync('npm', ['pack', '--json', '--pack-destination', workspace], { cwd: packageFolder, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const [tarball] = JSON.parse(packed.slice(packed.indexOf('['))) as Array<{ filename: string; unpackedSize: number; files: Array<{ path: string }> }>;
    expect(tarball!.files.map((file) => file.path).sort()).toEqual(['README.md', 'dist/THIRD-PARTY-NOTICES.txt', 'dist/vigil-satellite.js', 'package.json']);
    expect(tarball!.unpackedSize).toBeLessThan(maxUnpackedBytes);

    // Install into an empty folder: no registry, no dependencies.
    mkdirSync(installFolder);
    writeFileSync(join(installFolder, 'package.json'), JSON.stringify({ name: 'satellite-host', private: true }));
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', join(workspace, tarball!.filename)], { cwd: installFolder, stdio: ['ignore', 'pipe', 'pipe'] });
    const installed = join(installFolder, 'node_modules');
    expect(readdirSync(installed).filter((name) => !name.startsWith('.'))).toEqual(['@vigil']);
    expect(readdirSync(join(installed, '@vigil'))).toEqual(['satellite']);
    expect(bytesUnder(installed)).toBeLessThan(maxUnpackedBytes);
    const bin = join(installed, '.bin', 'vigil-satellite');
    // ws's optional native addons are compiled out (scripts/build-satellite.mjs): nothing to find or load at run time.
    const bundle = readFileSync(join(installed, '@vigil/satellite/dist/vigil-satellite.js'), 'utf8');
    expect(bundle.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(bundle).not.toMatch(/bufferutil|utf-8-validate|\.node["']/);

    const version = spawnSync(bin, ['--version'], { cwd: installFolder, env: agentEnvironment(), encoding: 'utf8' });
    expect([version.status, version.stdout]).toEqual([0, `${manifest.version}\n`]);
    const help = spawnSync(bin, ['--help'], { cwd: installFolder, env: agentEnvironment(), encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('VIGIL_SATELLITE_TOKEN_FILE');

    // A satellite with one check, its token in a file only the agent reads.
    const { token } = await new SatelliteCredentialStore(fixture.node.database).issue('edge-pkg');
    await fixture.node.router.dispatch('system', 'packaged', { type: 'create', name: 'Packaged' });
    await fixture.node.router.dispatch('satellite', 'edge-pkg', { type: 'register', name: 'Edge package', region: 'local' });
    const { port } = site.address() as AddressInfo;
    await fixture.node.router.dispatch('check', 'pkg-home', { type: 'create', systemId: 'packaged', strategy: { kind: 'http', url: `http://127.0.0.1:${port}/`, timeoutMs: 2_000 }, intervalMs: 1_000, satelliteIds: ['edge-pkg'] });
    const tokenFile = join(workspace, 'edge-pkg.token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });

    const agent = spawn(bin, ['--token-file', tokenFile, '--gateways', `ws://127.0.0.1:${fixture.node.http.port}`, '--heartbeat-ms', '1000'], { cwd: installFolder, env: agentEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    agent.stdout.on('data', (chunk: Buffer) => (output += chunk));
    agent.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => agent.once('exit', (code) => resolve(code)));
    fixture.defer(() => agent.kill('SIGKILL'));

    await waitFor(() => agentLogLines(output).find((line) => line.msg === 'connected'), 20_000, `the installed agent connected\n${output}`);
    await waitFor(async () => (await fixture.node.runtime.get('satellite', 'edge-pkg')).stateValue === 'online', 20_000, `the satellite online\n${output}`);
    await waitFor(async () => (await fixture.node.runtime.get('health', 'packaged')).version > 0, 20_000, `its first result in the system's health\n${output}`);

    agent.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Default level info: no per-check lines; and the secret never in the output.
    expect(agentLogLines(output).filter((line) => line.level === 'debug')).toEqual([]);
    expect(output).not.toContain(token.slice(token.indexOf('.') + 1));
  }, scaled(120_000));
});
