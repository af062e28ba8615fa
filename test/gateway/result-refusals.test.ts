import { beforeAll, describe, expect, it } from 'vitest';
import { SatelliteCredentialStore } from '../../persistence/index.ts';
import { useTestNode } from '../support/fixtures.ts';
import { connectSatellite, type SatelliteClient } from '../support/satellite-client.ts';
import { waitFor } from '../support/stream-reader.ts';

/**
 * A satellite speaks only for itself: results for checks of other satellites, other systems, or
 * stamped far from the node's clock are refused per result (`results_refused`) and never stored.
 */
const fixture = useTestNode();
const tokens: Record<string, string> = {};
const YEAR_MS = 365 * 86_400_000;

beforeAll(async () => {
  const credentials = new SatelliteCredentialStore(fixture.node.database);
  for (const id of ['sat-a', 'sat-b']) {
    tokens[id] = (await credentials.issue(id)).token;
    await fixture.node.router.dispatch('satellite', id, { type: 'register', name: id, region: 'eu' });
  }
  const check = (systemId: string, satelliteIds: string[]) => ({ type: 'create', systemId, strategy: { kind: 'tcp', host: '127.0.0.1', port: 9 }, satelliteIds });
  for (const id of ['sys-a', 'sys-b']) await fixture.node.router.dispatch('system', id, { type: 'create', name: id });
  await fixture.node.router.dispatch('check', 'chk-a', check('sys-a', ['sat-a']));
  await fixture.node.router.dispatch('check', 'chk-b', check('sys-b', ['sat-b']));
});

const authenticated = async (id: string): Promise<SatelliteClient> => {
  const client = await connectSatellite(fixture.node.http.port, tokens[id]!);
  await client.frame((frame) => frame.type === 'authenticated', `${id} authenticated`);
  return client;
};
const health = (systemId: string) => fixture.node.runtime.get('health', systemId);
/** Every result id the health entity's stored history received. */
const storedResultIds = async (systemId: string) =>
  (await fixture.node.database.query<{ id: string }>(
    `select r->>'resultId' as id from entity_transitions, jsonb_array_elements(event->'results') r where kind = 'health' and entity_transitions.id = ?`,
    [systemId],
  )).map((row) => row.id);

describe('results a satellite may not report', () => {
  it("refuses a result for another satellite's check (and system), for a check that does not exist, and for the wrong system; none is stored", async () => {
    const a = await authenticated('sat-a');
    a.result({ resultId: 'steal-1', checkId: 'chk-b', systemId: 'sys-b', status: 'down' });
    a.result({ resultId: 'ghost-1', checkId: 'no-such-check', systemId: 'sys-a' });
    a.result({ resultId: 'cross-1', checkId: 'chk-a', systemId: 'sys-b', status: 'down' });
    a.result({ resultId: 'own-1', checkId: 'chk-a', systemId: 'sys-a' });
    expect(await a.refused('steal-1')).toMatchObject({ code: 'CHECK_NOT_ASSIGNED', message: expect.stringContaining('chk-b') });
    expect(await a.refused('ghost-1')).toMatchObject({ code: 'CHECK_NOT_ASSIGNED' });
    expect(await a.refused('cross-1')).toMatchObject({ code: 'SYSTEM_MISMATCH', message: expect.stringContaining('belongs to system sys-a') });
    await a.acked('own-1');

    // sys-b never heard of sat-a; sys-a holds only its own, real check.
    expect((await health('sys-b')).version).toBe(0);
    expect(await storedResultIds('sys-b')).toEqual([]);
    expect(await storedResultIds('sys-a')).toEqual(['own-1']);
    expect(Object.keys(((await health('sys-a')).state as { checks: Record<string, unknown> }).checks)).toEqual(['chk-a@sat-a']);
    // Refused results are never acknowledged.
    const acked = a.frames.filter((frame) => frame.type === 'results_acked').flatMap((frame) => frame.resultIds as string[]);
    expect(acked).toEqual(['own-1']);
    a.ws.close();
  });

  it('refuses a result executed ten years ahead, so later correct results of the check still apply; and one older than a day', async () => {
    const a = await authenticated('sat-a');
    const now = Date.now();
    a.result({ resultId: 'future-1', checkId: 'chk-a', systemId: 'sys-a', status: 'down', executedAt: now + 10 * YEAR_MS });
    expect(await a.refused('future-1')).toMatchObject({ code: 'EXECUTED_IN_FUTURE', message: expect.stringContaining('ahead of the node') });
    a.result({ resultId: 'ancient-1', checkId: 'chk-a', systemId: 'sys-a', status: 'down', executedAt: now - 2 * 86_400_000 });
    expect(await a.refused('ancient-1')).toMatchObject({ code: 'EXECUTED_TOO_LONG_AGO' });

    // Two correct failures afterwards: both apply (the check is degraded), the watermark is theirs.
    a.result({ resultId: 'late-1', checkId: 'chk-a', systemId: 'sys-a', status: 'down', executedAt: now + 1 });
    a.result({ resultId: 'late-2', checkId: 'chk-a', systemId: 'sys-a', status: 'down', executedAt: now + 2 });
    await a.acked('late-2');
    await waitFor(async () => ((await health('sys-a')).state as { status: string }).status === 'degraded', 5_000, 'degraded by the two correct failures');
    const check = ((await health('sys-a')).state as { checks: Record<string, { lastResultAt: number; consecutiveFailures: number }> }).checks['chk-a@sat-a'];
    expect(check).toMatchObject({ lastResultAt: now + 2, consecutiveFailures: 2 });
    const stored = await storedResultIds('sys-a');
    expect(stored).not.toContain('future-1');
    expect(stored).not.toContain('ancient-1');
    a.ws.close();
  });

  it('follows assignment changes: a check assigned later is accepted after assignments_updated, and refused again once unassigned', async () => {
    const a = await authenticated('sat-a');
    a.result({ resultId: 'before-1', checkId: 'chk-b', systemId: 'sys-b' });
    expect(await a.refused('before-1')).toMatchObject({ code: 'CHECK_NOT_ASSIGNED' });

    await fixture.node.router.dispatch('check', 'chk-b', { type: 'update', satelliteIds: ['sat-b', 'sat-a'] });
    const withB = (frame: Record<string, unknown>) =>
      frame.type === 'assignments_updated' && (frame.assignments as Array<{ checkId: string }>).some((assignment) => assignment.checkId === 'chk-b');
    await a.frame(withB, 'assignments_updated with chk-b');
    a.result({ resultId: 'shared-1', checkId: 'chk-b', systemId: 'sys-b' });
    await a.acked('shared-1');
    expect(await storedResultIds('sys-b')).toEqual(['shared-1']);

    await fixture.node.router.dispatch('check', 'chk-b', { type: 'update', satelliteIds: ['sat-b'] });
    await a.frame((frame) => frame.type === 'assignments_updated' && !withB(frame), 'assignments_updated without chk-b');
    a.result({ resultId: 'after-1', checkId: 'chk-b', systemId: 'sys-b' });
    expect(await a.refused('after-1')).toMatchObject({ code: 'CHECK_NOT_ASSIGNED' });
    a.ws.close();
  });

  it('judges results sent right after the upgrade, before the assignments are loaded', async () => {
    const a = await connectSatellite(fixture.node.http.port, tokens['sat-a']!);
    // Sent at once, like an agent re-sending its outbox on a new connection.
    a.result({ resultId: 'early-own', checkId: 'chk-a', systemId: 'sys-a' });
    a.result({ resultId: 'early-steal', checkId: 'chk-b', systemId: 'sys-b' });
    expect(await a.refused('early-steal')).toMatchObject({ code: 'CHECK_NOT_ASSIGNED' });
    await a.acked('early-own');
    a.ws.close();
  });
});
