import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { SATELLITE_PATH } from '../../protocol/satellite-protocol.ts';
import { useIsolation } from '../support/fixtures.ts';
import { runVigil } from '../support/vigil-cli.ts';
import { startTestNode } from '../support/test-node.ts';
import { waitFor } from '../support/stream-reader.ts';

const isolation = useIsolation();
const dir = mkdtempSync(join(tmpdir(), 'vigil-setup-test-'));
const EDGE_TOKEN = `edge-eu.${'s'.repeat(43)}`;

let nodeUrl = 'http://127.0.0.1:9'; // no node yet: the first test starts one
const run = (args: string[], env: Record<string, string> = {}) => runVigil(isolation, args, { VIGIL_URL: nodeUrl, ...env });

const setupYaml = (interval: number) => `
groups:
  - { id: payments, name: Payments }
systems:
  - { id: shop, name: Shop, groupIds: [payments] }
satellites:
  - { id: edge-eu, name: EU edge, region: eu-west, tokenEnv: EDGE_EU_TOKEN }
  - { id: edge-us, name: US edge, region: us-east }
checks:
  - id: shop-home
    systemId: shop
    strategy: { kind: http, url: "http://127.0.0.1:9/health" }
    intervalMs: ${interval}
    satelliteIds: [edge-eu]
maintenances:
  - id: db-upgrade
    title: DB upgrade
    systemIds: [shop]
    schedule: { kind: recurring, timezone: Europe/Berlin, weekdays: [sun], startTime: "02:00", durationMinutes: 120 }
`;

describe('a declarative setup file and vigil check', () => {
  it('is applied by a node at start, again by `vigil apply` (idempotent, then updating), and checks are managed from the CLI', async () => {
    const path = join(dir, 'setup.yaml');
    writeFileSync(path, setupYaml(30_000));
    // The node reads tokens from its process environment (this process: the node runs in it).
    process.env.EDGE_EU_TOKEN = EDGE_TOKEN;
    isolation.defer(() => delete process.env.EDGE_EU_TOKEN);
    const node = await startTestNode({ databaseUrl: isolation.databaseUrl, namespace: isolation.namespace, env: { VIGIL_SETUP_FILE: path } });
    isolation.defer(() => node.stop());
    nodeUrl = `http://127.0.0.1:${node.http.port}`;
    // The setup is applied once the node is ready, before startNode resolves.
    expect(await node.runtime.get('system', 'shop')).toMatchObject({ state: { name: 'Shop', groupIds: ['payments'] } });
    expect(await node.runtime.get('group', 'payments')).toMatchObject({ state: { name: 'Payments' } });
    expect(await node.runtime.get('check', 'shop-home')).toMatchObject({ state: { systemId: 'shop', intervalMs: 30_000, satelliteIds: ['edge-eu'] } });
    expect((await node.runtime.get('satellite', 'edge-us')).stateValue).toBe('registered');
    expect(await node.runtime.get('maintenance', 'db-upgrade')).toMatchObject({ state: { title: 'DB upgrade', systemIds: ['shop'], schedule: { kind: 'recurring' } } });

    // The token came from the environment variable the file names: the satellite can connect with it.
    const ws = new WebSocket(`ws://127.0.0.1:${node.http.port}${SATELLITE_PATH}`, { headers: { authorization: `Bearer ${EDGE_TOKEN}` } });
    const frames: Array<Record<string, unknown>> = [];
    ws.on('message', (data) => frames.push(JSON.parse(String(data))));
    const authenticated = await waitFor(() => frames.find((frame) => frame.type === 'authenticated'), 5_000, 'authenticated');
    expect((authenticated.assignments as Array<{ checkId: string }>).map((assignment) => assignment.checkId)).toEqual(['shop-home']);

    // Applying the same file again changes nothing; a changed interval updates only the check.
    const again = await run(['apply', '-f', path, '--json'], { EDGE_EU_TOKEN: EDGE_TOKEN });
    expect(again.code, again.stderr).toBe(0);
    expect(new Set(JSON.parse(again.stdout).map((entry: { outcome: string }) => entry.outcome))).toEqual(new Set(['unchanged']));
    writeFileSync(path, setupYaml(10_000));
    const changed = await run(['apply', '-f', path, '--json'], { EDGE_EU_TOKEN: EDGE_TOKEN });
    expect(JSON.parse(changed.stdout).filter((entry: { outcome: string }) => entry.outcome !== 'unchanged')).toEqual([{ kind: 'check', id: 'shop-home', outcome: 'updated' }]);
    await waitFor(() => frames.find((frame) => frame.type === 'assignments_updated' && (frame.assignments as Array<{ intervalMs: number }>)[0]?.intervalMs === 10_000), 5_000, 'new interval pushed');

    // vigil check: add a TCP check, list it, assign it, remove it.
    const added = await run(['check', 'add', 'shop-db', '--system', 'shop', '--tcp', '127.0.0.1:5432', '--interval', '15s', '--satellites', 'edge-eu,edge-us']);
    expect(added.code, added.stderr).toBe(0);
    expect(await node.runtime.get('check', 'shop-db')).toMatchObject({ state: { strategy: { kind: 'tcp', host: '127.0.0.1', port: 5432, timeoutMs: 10_000 }, intervalMs: 15_000, satelliteIds: ['edge-eu', 'edge-us'] } });
    await waitFor(() => frames.find((frame) => frame.type === 'assignments_updated' && (frame.assignments as unknown[]).length === 2), 5_000, 'shop-db pushed to edge-eu');
    const listed = JSON.parse((await run(['check', 'list', '--json'])).stdout) as Array<{ id: string }>;
    expect(listed.map((check) => check.id)).toEqual(['shop-db', 'shop-home']);
    expect((await run(['check', 'update', 'shop-db', '--satellites', 'edge-us'])).code).toBe(0);
    const assignedCount = (frame: Record<string, unknown>) => (frame.type === 'assignments_updated' ? (frame.assignments as unknown[]).length : -1);
    const withBoth = frames.findIndex((frame) => assignedCount(frame) === 2);
    await waitFor(() => frames.slice(withBoth + 1).find((frame) => assignedCount(frame) === 1), 5_000, 'shop-db unassigned from edge-eu');
    expect((await run(['check', 'remove', 'shop-db'])).code).toBe(0);
    expect((await node.runtime.get('check', 'shop-db')).state).toBeNull();

    // Bad input is refused with a clear message and changes nothing.
    const invalid = await run(['check', 'add', 'bad', '--system', 'shop', '--http', 'not a url']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('INVALID_EVENT');
    expect((await node.runtime.get('check', 'bad')).state).toBeNull();
    expect((await run(['check', 'add', 'x', '--system', 'shop', '--tcp', 'nohost'])).code).toBe(2);
    // A check naming a system or satellite the cluster does not know is refused before anything is sent.
    const noSystem = await run(['check', 'add', 'orphan', '--system', 'nope', '--tcp', 'h:1']);
    expect([noSystem.code, noSystem.stderr]).toEqual([1, expect.stringContaining('no system "nope"')]);
    const noSatellite = await run(['check', 'add', 'orphan', '--system', 'shop', '--tcp', 'h:1', '--satellites', 'edge-eu,edge-mars']);
    expect([noSatellite.code, noSatellite.stderr]).toEqual([1, expect.stringContaining('no satellite "edge-mars"')]);
    expect((await run(['check', 'update', 'shop-home', '--satellites', 'edge-mars'])).stderr).toContain('no satellite "edge-mars"');
    expect((await node.runtime.get('check', 'orphan')).state).toBeNull();
    expect((await node.runtime.get('check', 'shop-home')).state).toMatchObject({ satelliteIds: ['edge-eu'] });
    expect((await run(['check', 'add', 'shop-home', '--system', 'shop', '--tcp', 'h:1'])).stderr).toContain('exists');
    writeFileSync(path, 'checks:\n  - { id: c, systemId: shop, strategy: { kind: ftp } }');
    const broken = await run(['apply', '-f', path]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('checks.0.strategy');

    // Each kind of check, from the CLI's flags (or --strategy JSON) to the satellite's assignments.
    const kinds = [
      ['shop-api', ['--http', 'https://shop.example/api', '--method', 'POST', '--header', 'Authorization: Bearer ${env:SHOP_TOKEN}', '--body', '{}', '--expect', '200,3xx', '--json-path', '$.status=ok', '--contains', 'ok', '--follow-redirects', '--min-days', '10', '--max-response-time', '2s']],
      ['shop-mx', ['--dns', 'shop.example', '--record-type', 'MX', '--answer', '10 mail.shop.example', '--match', 'exact', '--resolver', '10.0.0.2:5353', '--timeout', '3s']],
      ['shop-cert', ['--strategy', '{"kind":"tls","host":"shop.example","certificateMinDaysLeft":21}']],
    ] as const;
    for (const [id, flags] of kinds) {
      const created = await run(['check', 'add', id, '--system', 'shop', '--satellites', 'edge-eu', ...flags]);
      expect(created.code, created.stderr).toBe(0);
    }
    const pushed = await waitFor(() => frames.find((frame) => frame.type === 'assignments_updated' && (frame.assignments as unknown[]).length === 4), 5_000, 'every kind assigned');
    const strategies = Object.fromEntries((pushed.assignments as Array<{ checkId: string; strategy: unknown }>).map((assignment) => [assignment.checkId, assignment.strategy]));
    expect(strategies).toEqual({
      'shop-home': expect.objectContaining({ kind: 'http' }),
      'shop-api': {
        kind: 'http',
        url: 'https://shop.example/api',
        method: 'POST',
        headers: { Authorization: 'Bearer ${env:SHOP_TOKEN}' },
        body: '{}',
        expectedStatus: [200, '3xx'],
        jsonAssertions: [{ path: '$.status', equals: 'ok' }],
        bodyContains: 'ok',
        followRedirects: true,
        certificateMinDaysLeft: 10,
        maxResponseTimeMs: 2000,
        timeoutMs: 10_000,
      },
      'shop-mx': { kind: 'dns', name: 'shop.example', recordType: 'MX', expectedAnswers: ['10 mail.shop.example'], match: 'exact', resolver: '10.0.0.2:5353', timeoutMs: 3000 },
      'shop-cert': { kind: 'tls', host: 'shop.example', port: 443, certificateMinDaysLeft: 21, acceptInvalidCertificates: false, timeoutMs: 10_000 },
    });
    // The cluster judges the values: a JSON path it cannot evaluate is refused and changes nothing.
    const badPath = await run(['check', 'update', 'shop-api', '--http', 'https://shop.example/api', '--json-path', '$..status']);
    expect([badPath.code, badPath.stderr]).toEqual([1, expect.stringContaining('INVALID_EVENT')]);
    ws.close();
  });

  it('stops a node at start, with exit code 2, when its setup file is invalid', async () => {
    const path = join(dir, 'broken.yaml');
    writeFileSync(path, 'systems:\n  - { id: a }');
    const started = await run(['start'], { VIGIL_SETUP_FILE: path, VIGIL_HTTP_PORT: '0', VIGIL_NODE_ID: 'broken-setup' });
    expect(started.code).toBe(2);
    expect(started.stderr).toContain('systems.0.name');
  });
});
