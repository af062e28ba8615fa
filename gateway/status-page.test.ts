import { describe, expect, it } from 'vitest';
import type { StatusPageRows } from '../persistence/index.ts';
import { buildStatusPage, statusPageSchema, uptimeWindow } from './status-page.ts';

const now = Date.UTC(2026, 11, 6, 12);
const window = { startsAt: now - 60_000, endsAt: now + 60_000 };

const rows: StatusPageRows = {
  groups: [{ id: 'web', name: 'Web' }, { id: 'db', name: 'Databases' }],
  systems: [
    { id: 'shop', name: 'Shop', groupIds: ['web', 'internal'] },
    { id: 'api', name: 'API', groupIds: ['web'] },
    { id: 'pg', name: 'Postgres', groupIds: ['db'] },
    { id: 'cdn', name: 'CDN', groupIds: ['web'] },
  ],
  health: [{ systemId: 'shop', status: 'unhealthy' }, { systemId: 'api', status: 'degraded' }, { systemId: 'pg', status: 'unhealthy' }],
  uptime: [
    { systemId: 'shop', day: 89, passed: 720, results: 1440 },
    { systemId: 'shop', day: 88, passed: 1, results: 3 },
    { systemId: 'api', day: 0, passed: 0, results: 0 },
  ],
  incidents: [
    {
      id: 'i1', title: 'Checkout down', status: 'identified', severity: 'major', systemIds: ['secret-billing', 'shop'], createdAt: now - 1000, resolvedAt: null,
      updates: [{ message: 'looking', at: now - 900 }, { message: 'found it', statusChange: { from: 'investigating', to: 'identified' }, at: now - 500 }],
    },
    { id: 'i2', title: 'Only internal systems', status: 'investigating', severity: 'minor', systemIds: ['secret-billing'], createdAt: now, resolvedAt: null, updates: [] },
  ],
  maintenance: [
    { id: 'm2', title: 'Later', description: 'next week', systemIds: ['api'], status: 'scheduled', currentWindow: null, nextWindow: { startsAt: now + 7 * 86_400_000, endsAt: now + 7 * 86_400_000 + 3_600_000 } },
    { id: 'm1', title: 'Upgrade', description: 'Postgres 17', systemIds: ['pg', 'secret-billing'], status: 'active', currentWindow: window, nextWindow: null },
  ],
};

describe('buildStatusPage', () => {
  const page = buildStatusPage(rows, { title: 'ACME status', groupIds: ['db', 'web', 'gone'], now });

  it('matches the published schema', () => {
    expect(statusPageSchema.parse(page)).toEqual(page);
  });

  it('shows the configured groups in their order, their systems by name, with statuses from health and maintenance', () => {
    expect(page.enabled).toBe(true);
    expect(page.generatedAt).toBe(now);
    expect(page.groups.map((group) => [group.id, group.systems.map((system) => [system.id, system.status])])).toEqual([
      ['db', [['pg', 'maintenance']]],
      ['web', [['api', 'degraded'], ['cdn', 'operational'], ['shop', 'outage']]],
    ]);
  });

  it('gives 90 UTC days of uptime, null where nothing is known, rounded down', () => {
    const shop = page.groups[1]!.systems.find((system) => system.id === 'shop')!;
    expect(shop.uptime).toHaveLength(90);
    expect(shop.uptime.at(-1)).toEqual({ day: '2026-12-06', ratio: 0.5 });
    expect(shop.uptime.at(-2)).toEqual({ day: '2026-12-05', ratio: 0.333333 });
    expect(shop.uptime.slice(0, 88).every((entry) => entry.ratio === null)).toBe(true);
    expect(page.groups[1]!.systems[0]!.uptime[0]).toEqual({ day: '2026-09-08', ratio: null });
  });

  it('leaks nothing about systems that are not shown', () => {
    expect(page.incidents.map((incident) => incident.id)).toEqual(['i1']);
    expect(page.incidents[0]).toEqual({
      id: 'i1', title: 'Checkout down', status: 'identified', severity: 'major', systemIds: ['shop'], createdAt: now - 1000, resolvedAt: null,
      updates: [{ message: 'looking', at: now - 900 }, { message: 'found it', status: 'identified', at: now - 500 }],
    });
    expect(page.maintenance).toEqual([
      { id: 'm1', title: 'Upgrade', description: 'Postgres 17', systemIds: ['pg'], status: 'active', ...window },
      { id: 'm2', title: 'Later', description: 'next week', systemIds: ['api'], status: 'scheduled', startsAt: now + 7 * 86_400_000, endsAt: now + 7 * 86_400_000 + 3_600_000 },
    ]);
    expect(JSON.stringify(page)).not.toContain('secret-billing');
    expect(JSON.stringify(page)).not.toContain('internal');
  });

  it('is disabled and empty with no group configured', () => {
    expect(buildStatusPage(rows, { title: 'Status', groupIds: [], now })).toEqual({ title: 'Status', enabled: false, generatedAt: now, groups: [], incidents: [], maintenance: [] });
  });

  it('windows 90 days ending today', () => {
    expect(uptimeWindow(now)).toEqual({ fromMs: Date.UTC(2026, 8, 8), toMs: now, days: 90 });
  });
});
