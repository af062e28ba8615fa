import { describe, expect, it } from 'vitest';
import { StatusPageCache } from '../../gateway/status-page-route.ts';
import type { StatusPage } from '../../gateway/index.ts';
import { createLogger } from '../../node/index.ts';
import { CheckHistoryWriter } from '../../history/index.ts';
import { CheckHistoryPartitions, CheckHistoryStore, StatusPageQuery, type StatusPageQueryInput } from '../../persistence/index.ts';
import { useTestNode } from '../support/fixtures.ts';
import { authorization } from '../support/isolation.ts';

const plain = useTestNode();
const shown = useTestNode({ env: { VIGIL_STATUS_PAGE_GROUPS: 'public, not-created', VIGIL_STATUS_PAGE_TITLE: 'ACME status', VIGIL_STATUS_PAGE_CACHE_MS: '600000' } });

const url = (node: typeof plain, path: string) => `http://127.0.0.1:${node.node.http.port}${path}`;

async function send(kind: string, id: string, event: Record<string, unknown>): Promise<void> {
  const response = await fetch(url(shown, `/entities/${kind}/${id}/events`), { method: 'POST', headers: authorization(), body: JSON.stringify(event) });
  expect(response.status, `${kind} ${id} ${String(event.type)}`).toBe(200);
}

/** One result that makes the system's health unhealthy (or healthy again) at once, stored in the check history (the page's uptime) as a satellite's would be. */
/** A result of the system's own check (a check belongs to one system, as check entities do). */
async function report(systemId: string, success: boolean): Promise<void> {
  const executedAt = Date.now();
  const checkId = `ping-${systemId}`;
  await shown.node.router.dispatch('health', systemId, { type: 'check_result', checkId, source: 'test', success, executedAt, thresholds: { healthyAfter: 1, degradedAfter: 1, unhealthyAfter: 1 } });
  const writer = new CheckHistoryWriter({ store: new CheckHistoryStore(shown.node.database), partitions: new CheckHistoryPartitions(shown.node.database), log: createLogger('test', 'silent'), clock: Date.now, rawRetentionMs: 14 * 86_400_000 });
  await writer.record([{ checkId, systemId, source: 'test', resultId: `${checkId}:${executedAt}`, executedAt, success, latencyMs: 5 }]);
  await writer.stop();
}

describe('GET /status.json', () => {
  it('is public, and shows nothing until groups are configured', async () => {
    const response = await fetch(url(plain, '/status.json'));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=30');
    expect(await response.json()).toMatchObject({ title: 'Status', enabled: false, groups: [], incidents: [], maintenance: [] });
  });

  it('shows the configured groups\' systems with their status, and the incidents and maintenance touching them only', async () => {
    await send('group', 'public', { type: 'create', name: 'Public services', metadata: { owner: 'team-secret' } });
    await send('group', 'internal', { type: 'create', name: 'Internal' });
    await send('system', 'shop', { type: 'create', name: 'Shop', description: 'internal notes', metadata: { ip: '10.0.0.7' }, groupIds: ['public', 'internal'] });
    await send('system', 'api', { type: 'create', name: 'API', groupIds: ['public'] });
    await send('system', 'billing', { type: 'create', name: 'Billing', groupIds: ['internal'] });
    await send('system', 'docs', { type: 'create', name: 'Docs', groupIds: ['public'] });
    await report('shop', false);
    await report('api', true);
    await report('billing', false);
    await send('incident', 'checkout', { type: 'create', title: 'Checkout errors', description: 'root cause: secret', severity: 'major', systemIds: ['shop', 'billing'] });
    await send('incident', 'checkout', { type: 'post_update', message: 'We found the cause', status: 'identified' });
    await send('incident', 'ledger', { type: 'create', title: 'Ledger drift', severity: 'minor', systemIds: ['billing'] });
    const now = Date.now();
    await send('maintenance', 'upgrade', { type: 'create', title: 'Docs upgrade', description: 'New docs engine', systemIds: ['docs', 'billing'], schedule: { kind: 'once', startsAt: now - 60_000, endsAt: now + 3_600_000 } });

    const response = await fetch(url(shown, '/status.json'));
    expect(response.status).toBe(200);
    const page = (await response.json()) as StatusPage;
    expect(page).toMatchObject({ title: 'ACME status', enabled: true });
    expect(page.groups.map((group) => [group.id, group.name, group.systems.map((system) => [system.id, system.status])])).toEqual([
      ['public', 'Public services', [['api', 'operational'], ['docs', 'maintenance'], ['shop', 'outage']]],
    ]);
    const shop = page.groups[0]!.systems.find((system) => system.id === 'shop')!;
    expect(shop.uptime).toHaveLength(90);
    // Its one result today failed: 0 of 1 passed.
    expect(shop.uptime.at(-1)).toEqual({ day: new Date(page.generatedAt).toISOString().slice(0, 10), ratio: 0 });
    expect(shop.uptime.slice(0, 89).every((day) => day.ratio === null)).toBe(true);
    // docs has no health data at all: operational (here in maintenance) with no uptime
    expect(page.groups[0]!.systems.find((system) => system.id === 'docs')!.uptime.every((day) => day.ratio === null)).toBe(true);

    expect(page.incidents).toHaveLength(1);
    expect(page.incidents[0]).toMatchObject({ id: 'checkout', title: 'Checkout errors', status: 'identified', severity: 'major', systemIds: ['shop'], resolvedAt: null });
    expect(page.incidents[0]!.updates).toEqual([{ message: 'We found the cause', status: 'identified', at: expect.any(Number) }]);
    expect(page.maintenance).toEqual([{ id: 'upgrade', title: 'Docs upgrade', description: 'New docs engine', systemIds: ['docs'], status: 'active', startsAt: now - 60_000, endsAt: now + 3_600_000 }]);

    const text = JSON.stringify(page);
    for (const secret of ['billing', 'Billing', 'internal', 'Internal', 'ledger', '10.0.0.7', 'team-secret', 'root cause', 'token:', 'actor']) expect(text).not.toContain(secret);
  });

  it('serves one document per period: the same generatedAt and ETag to every request, 304 on If-None-Match', async () => {
    const first = await fetch(url(shown, '/status.json'));
    expect(first.headers.get('cache-control')).toBe('public, max-age=600');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    const { generatedAt } = (await first.json()) as StatusPage;
    // A change within the period does not show until the period is over.
    await send('incident', 'late', { type: 'create', title: 'Late incident', severity: 'minor', systemIds: ['api'] });
    const flood = await Promise.all(Array.from({ length: 20 }, () => fetch(url(shown, '/status.json'))));
    for (const response of flood) {
      expect(response.headers.get('etag')).toBe(etag);
      const page = (await response.json()) as StatusPage;
      expect(page.generatedAt).toBe(generatedAt);
      expect(page.incidents.map((incident) => incident.id)).not.toContain('late');
    }
    const cached = await fetch(url(shown, '/status.json'), { headers: { 'if-none-match': `W/"other", ${etag}` } });
    expect(cached.status).toBe(304);
    expect(cached.headers.get('etag')).toBe(etag);
    expect(await cached.text()).toBe('');
    expect((await fetch(url(shown, '/status.json'), { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
  });

  it('reads the database at most once per period, however many requests arrive at once', async () => {
    const query = new StatusPageQuery(shown.node.database);
    const reads: StatusPageQueryInput[] = [];
    const cache = new StatusPageCache({
      title: 'ACME status',
      groupIds: ['public'],
      cacheMs: 60_000,
      read: (input) => {
        reads.push(input);
        return query.read(input);
      },
      clock: () => shown.node.clock.latest(),
      log: createLogger('status-page-test', 'silent'),
    });
    const pages = await Promise.all(Array.from({ length: 50 }, () => cache.get()));
    const again = await Promise.all(Array.from({ length: 50 }, () => cache.get()));
    expect(reads).toHaveLength(1);
    expect(new Set([...pages, ...again].map((page) => page?.etag)).size).toBe(1);
    // The document holds what the database had: the incident created in the previous test is there.
    expect((JSON.parse(pages[0]!.body) as StatusPage).incidents.map((incident) => incident.id).sort()).toEqual(['checkout', 'late']);
  });
});
