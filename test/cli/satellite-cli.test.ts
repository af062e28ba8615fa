import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { SATELLITE_PATH, SatelliteCloseCode } from '../../protocol/satellite-protocol.ts';
import { useTestNode } from '../support/fixtures.ts';
import { runVigil } from '../support/vigil-cli.ts';

const fixture = useTestNode();
const run = (...args: string[]) => runVigil(fixture, args);

function upgradeStatus(token: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${fixture.node.http.port}${SATELLITE_PATH}`, { headers: { authorization: `Bearer ${token}` } });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    ws.on('error', () => undefined);
  });
}

describe('vigil satellite', () => {
  it('adds a satellite (token printed once), lists it, rotates its token and removes it', async () => {
    const added = await run('satellite', 'add', 'edge-1', '--name', 'Edge 1', '--region', 'eu-west');
    expect(added.code, added.stderr).toBe(0);
    const token = added.stdout;
    expect(token).toMatch(/^edge-1\.[A-Za-z0-9_-]{43}$/);
    expect(await fixture.node.runtime.get('satellite', 'edge-1')).toMatchObject({ stateValue: 'registered', state: { name: 'Edge 1', region: 'eu-west' } });
    expect(await upgradeStatus(token)).toBe(101);

    const listed = JSON.parse((await run('satellite', 'list', '--json')).stdout);
    expect(listed).toContainEqual(expect.objectContaining({ id: 'edge-1', name: 'Edge 1', region: 'eu-west' }));

    // A live session of the old token is closed when the token is rotated (4401 Revoked).
    const live = new WebSocket(`ws://127.0.0.1:${fixture.node.http.port}${SATELLITE_PATH}`, { headers: { authorization: `Bearer ${token}` } });
    const liveClosed = new Promise<number>((resolve) => live.on('close', (code) => resolve(code)));
    await new Promise((resolve) => live.on('message', resolve)); // authenticated
    const rotated = (await run('satellite', 'rotate-token', 'edge-1')).stdout;
    expect(rotated).not.toBe(token);
    expect(await liveClosed).toBe(SatelliteCloseCode.Revoked);
    expect(await upgradeStatus(token)).toBe(401);
    expect(await upgradeStatus(rotated)).toBe(101);

    expect((await run('satellite', 'remove', 'edge-1')).code).toBe(0);
    expect(await upgradeStatus(rotated)).toBe(401);
    expect((await fixture.node.runtime.get('satellite', 'edge-1')).stateValue).toBe('removed');
    expect((await run('satellite', 'add', 'x')).code).toBe(2);
    expect((await run('satellite', 'rotate-token', 'nobody')).code).toBe(1);
  });
});
