import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseSatelliteToken } from '../../protocol/satellite-protocol.ts';
import { readSetupFile } from '../../setup/setup-file.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** `docker compose` (v2) or Debian's `docker-compose` (1.29), whichever is installed. */
function composeCommand(): string[] | undefined {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  return undefined;
}
const compose = composeCommand();

/** The .env the compose file's header tells users to write. */
function envFile(): string {
  const folder = mkdtempSync(join(tmpdir(), 'vigil-compose-'));
  const file = join(folder, '.env');
  const hex = (bytes: number) => execFileSync('openssl', ['rand', '-hex', String(bytes)]).toString().trim();
  writeFileSync(
    file,
    [
      `NATS_NODES_PASSWORD=p${hex(32)}`,
      `NATS_READER_PASSWORD=p${hex(32)}`,
      `NATS_COMMANDS_PASSWORD=p${hex(32)}`,
      `VIGIL_ADMIN_TOKEN=vgl_${hex(32)}`,
      `VIGIL_TOKEN_EDGE_1=edge-1.${hex(32)}`,
      '',
    ].join('\n'),
  );
  return file;
}

describe('docker-compose.yml', () => {
  it('gives the nodes a valid setup file with the satellite, whose token format the .env recipe produces', () => {
    const setup = readSetupFile(join(root, 'deploy/setup.compose.yaml'));
    expect(setup.satellites.map((satellite) => satellite.id)).toEqual(['edge-1']);
    expect(setup.checks.every((check) => check.satelliteIds?.includes('edge-1'))).toBe(true);
    expect(parseSatelliteToken(`Bearer edge-1.${'a1'.repeat(32)}`)).toEqual({ satelliteId: 'edge-1', secret: 'a1'.repeat(32) });
  });

  it.skipIf(!compose)(`is valid for ${compose?.join(' ') ?? 'docker compose (not installed here)'}, with 3 NATS servers, PostgreSQL, 3 nodes and a satellite`, () => {
    const [binary, ...args] = compose!;
    const result = spawnSync(binary!, [...args, '--env-file', envFile(), '-f', join(root, 'docker-compose.yml'), 'config', '--services'], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n').sort()).toEqual(['nats-1', 'nats-2', 'nats-3', 'postgres', 'satellite-edge-1', 'vigil-1', 'vigil-2', 'vigil-3']);
    // Without the .env values it refuses, naming what is missing.
    const bare = spawnSync(binary!, [...args, '-f', join(root, 'docker-compose.yml'), 'config'], { encoding: 'utf8', cwd: mkdtempSync(join(tmpdir(), 'vigil-compose-')) });
    expect(bare.status).not.toBe(0);
    expect(bare.stderr).toContain('set it in .env');
  });
});
