import { beforeAll, describe, expect, it } from 'vitest';
import { checkAutomation } from '../../automations/save-check.ts';
import { loadTemplate, renderTemplate } from '../../automations/templates/index.ts';
import type { AutomationDwellState, IncidentState } from '../../machines/index.ts';
import { dwellIdFor } from '../../automations/engine/scope-id.ts';
import { useTestNode } from '../support/fixtures.ts';
import { waitFor } from '../support/stream-reader.ts';

const fixture = useTestNode();
const DWELL = '2s';
const RECOVERY = '2s';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const dispatch = (kind: string, id: string, event: Record<string, unknown>) => fixture.node.router.dispatch(kind, id, event);

/** One failing (or passing) result flips the system's health (thresholds of 1). */
const report = (systemId: string, success: boolean) =>
  dispatch('health', systemId, { type: 'check_result', checkId: 'http', source: 'test', success, thresholds: { healthyAfter: 1, degradedAfter: 1, unhealthyAfter: 1000 } });

async function incidentsOf(systemId: string): Promise<Array<IncidentState & { id: string }>> {
  const rows = await fixture.node.database.query<{ id: string; state: IncidentState }>(
    `select id, state from entity_state where kind = 'incident' and state->'systemIds' @> ?::jsonb order by id`,
    [JSON.stringify([systemId])],
  );
  return rows.map((row) => ({ ...row.state, id: row.id }));
}

/** The shipped template, rendered and checked the way `vigil automation template apply` does. */
async function applyTemplate(id: string, name = 'sustained-degradation', values: Record<string, string> = { dwell: DWELL, recovery: RECOVERY, severity: 'major' }) {
  const rendered = renderTemplate(loadTemplate(name), { id, ...values });
  const checked = checkAutomation(rendered.automation);
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  await dispatch('automation', id, { type: 'save', definition: checked.definition });
}

beforeAll(async () => {
  for (const id of ['web', 'db', 'api', 'satellites']) await dispatch('system', id, { type: 'create', name: id });
  // Two automations from the same template race on every degradation.
  await applyTemplate('degraded-incidents-a');
  await applyTemplate('degraded-incidents-b');
  await applyTemplate('flapping-incidents', 'flapping', { changes: '3', within: '1m' });
  await applyTemplate('satellite-incidents', 'satellite-heartbeat', { system: 'satellites' });
  await sleep(300);
});

describe('the shipped incident templates, end to end', () => {
  it('degraded for the dwell: exactly one incident although two automations race; healthy for the recovery time: that incident resolved', async () => {
    await report('web', false);
    await sleep(1_000);
    expect(await incidentsOf('web')).toHaveLength(0); // not before the dwell
    await waitFor(async () => (await incidentsOf('web')).length > 0, 10_000, 'an incident for web');
    await sleep(1_500); // both automations have fired by now
    const opened = await incidentsOf('web');
    expect(opened).toHaveLength(1);
    expect(opened[0]!.status).not.toBe('resolved');
    expect(opened[0]!.severity).toBe('major');

    await report('web', true);
    await sleep(1_000);
    expect((await incidentsOf('web'))[0]!.status).not.toBe('resolved'); // not before the recovery time
    await waitFor(async () => (await incidentsOf('web'))[0]?.status === 'resolved', 10_000, 'the incident resolved');
    expect(await incidentsOf('web')).toHaveLength(1);
  });

  it('in maintenance: no incident', async () => {
    const now = Date.now();
    await dispatch('maintenance', 'db-upgrade', { type: 'create', title: 'db upgrade', systemIds: ['db'], schedule: { kind: 'once', startsAt: now - 1_000, endsAt: now + 60_000 } });
    await waitFor(async () => ((await fixture.node.runtime.get('maintenance', 'db-upgrade')).state as { status: string } | null)?.status === 'active', 5_000, 'the maintenance active');
    await report('db', false);
    const dwell = async () => (await fixture.node.runtime.get('automation_dwell', dwellIdFor('degraded-incidents-a', 'degraded', 'db'))).state as AutomationDwellState | null;
    await waitFor(async () => (await dwell())?.last?.outcome === 'lapsed', 10_000, 'the episode lapsed at its deadline');
    expect((await dwell())!.last!.reason).toContain('conditions');
    await sleep(500);
    expect(await incidentsOf('db')).toHaveLength(0);
  });

  it('flapping: the third health change within the window opens one incident', async () => {
    await report('api', false);
    await report('api', true);
    await sleep(500);
    expect((await incidentsOf('api')).filter((incident) => incident.title.includes('flapping'))).toHaveLength(0);
    await report('api', false);
    await waitFor(async () => (await incidentsOf('api')).some((incident) => incident.title.includes('flapping')), 10_000, 'the flapping incident');
    await report('api', true);
    await sleep(1_000);
    expect((await incidentsOf('api')).filter((incident) => incident.title.includes('flapping'))).toHaveLength(1);
  });

  it('satellite heartbeat: lost opens an incident for the satellite, reconnecting resolves it', async () => {
    // What the gateway does for a satellite: register, connect, then the socket closes and no
    // heartbeat arrives within the threshold (1 s here).
    await dispatch('satellite', 'sat-eu', { type: 'register', name: 'eu-1', region: 'eu-west', heartbeatThresholdMs: 1_000 });
    await dispatch('satellite', 'sat-eu', { type: 'connect' });
    await dispatch('satellite', 'sat-eu', { type: 'disconnect' });
    const satelliteIncidents = async () => (await incidentsOf('satellites')).filter((incident) => incident.title.includes('eu-1') || incident.title.includes('sat-eu'));
    await waitFor(async () => (await satelliteIncidents()).length === 1, 10_000, 'an incident for the lost satellite');
    expect((await satelliteIncidents())[0]!.status).not.toBe('resolved');

    await dispatch('satellite', 'sat-eu', { type: 'connect' });
    await waitFor(async () => (await satelliteIncidents())[0]?.status === 'resolved', 10_000, 'the incident resolved on reconnect');
    expect(await satelliteIncidents()).toHaveLength(1);
  });
});
