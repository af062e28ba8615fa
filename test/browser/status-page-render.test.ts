import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaled } from '../support/time-scale.ts';

/**
 * A unit test of the status page's rendering (web/status/render.ts) in Chromium: the built page
 * (dist/web, from the tests' global setup) served with a hand-written `/status.json`, so every part
 * of the document shape is shown without the node computing it. The page against a real node is
 * in console.test.ts.
 */
let document: unknown;
let server: Server;
let browser: Browser;
let base: string;

const day = (offset: number) => new Date(Date.UTC(2026, 11, 6) - offset * 86_400_000).toISOString().slice(0, 10);
const now = Date.UTC(2026, 11, 6, 12);
const uptime = Array.from({ length: 90 }, (_, index) => ({ day: day(89 - index), ratio: index < 30 ? null : index === 88 ? 0.5 : 1 }));

beforeAll(async () => {
  const site = JSON.parse(readFileSync('dist/web/site.json', 'utf8')) as { files: Array<{ path: string }> };
  const files = new Set(site.files.map((file) => file.path));
  server = createServer((request, response) => {
    const path = request.url === '/status' ? 'status/index.html' : (request.url ?? '').slice(1);
    if (request.url === '/status.json') return void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document));
    if (!files.has(path)) return void response.writeHead(404).end();
    const type = path.endsWith('.html') ? 'text/html' : path.endsWith('.css') ? 'text/css' : 'text/javascript';
    response.writeHead(200, { 'content-type': type }).end(readFileSync(`dist/web/${path}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
});

afterAll(async () => {
  await browser?.close();
  server?.close();
});

async function render() {
  const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
  page.setDefaultTimeout(scaled(15_000));
  await page.goto(`${base}/status`);
  await page.locator('#status[aria-busy="false"]').waitFor();
  return page;
}

describe('the status page renders /status.json', () => {
  it('groups with their systems, uptime bars with a text alternative, open and resolved incidents, maintenance', async () => {
    document = {
      title: 'Acme status',
      enabled: true,
      generatedAt: now,
      groups: [
        { id: 'core', name: 'Core', systems: [{ id: 'web', name: 'Web <shop>', status: 'degraded', uptime }, { id: 'db', name: 'Database', status: 'operational', uptime }] },
        { id: 'edge', name: 'Edge', systems: [{ id: 'cdn', name: 'CDN', status: 'maintenance', uptime }] },
      ],
      incidents: [
        { id: 'i1', title: 'Slow checkout', status: 'identified', severity: 'major', systemIds: ['web'], createdAt: now - 3_600_000, resolvedAt: null, updates: [{ message: 'Looking', at: now - 3_600_000 }, { message: 'Found it', status: 'identified', at: now - 60_000 }] },
        { id: 'i0', title: 'Old outage', status: 'resolved', severity: 'critical', systemIds: ['db'], createdAt: now - 86_400_000, resolvedAt: now - 80_000_000, updates: [{ message: 'Fixed', status: 'resolved', at: now - 80_000_000 }] },
      ],
      maintenance: [{ id: 'm1', title: 'CDN upgrade', description: 'New edge nodes', systemIds: ['cdn'], status: 'active', startsAt: now - 60_000, endsAt: now + 3_600_000 }],
    };
    const page = await render();
    expect(await page.title()).toBe('Acme status');
    await page.getByRole('heading', { level: 1, name: 'Acme status' }).waitFor();
    expect(await page.getByRole('status').textContent()).toBe('Some systems: degraded performance');
    const web = page.locator('[data-system="web"]');
    expect(await web.getByRole('heading').textContent()).toBe('Web <shop>'); // text, never markup
    expect(await web.locator('.badge').textContent()).toBe('Degraded performance');
    expect(await web.locator('.bar').count()).toBe(90);
    expect(await web.locator('.bars').getAttribute('aria-hidden')).toBe('true');
    expect(await web.locator('.uptime-text').textContent()).toBe(`Uptime over the last 90 days: 99.16% (30 days without data); lowest: ${day(1)} 50%.`);
    expect(await page.getByRole('heading', { level: 3 }).allTextContents()).toEqual(expect.arrayContaining(['Core', 'Edge']));
    const current = page.getByRole('region', { name: 'Current incidents' });
    expect(await current.locator('[data-incident]').count()).toBe(1);
    expect(await current.locator('.updates li').first().textContent()).toContain('identified: Found it'); // newest first
    await current.getByText('Affects Web <shop>').waitFor();
    await page.getByRole('region', { name: 'Recently resolved' }).getByText('Old outage').waitFor();
    await page.getByRole('region', { name: 'Maintenance' }).getByText('CDN upgrade').waitFor();
    await page.screenshot({ path: 'test-artifacts/screenshots/status-rendered.png', fullPage: true });
    await page.close();
  });

  it('says the page is not configured when enabled is false', async () => {
    document = { title: 'Status', enabled: false, generatedAt: now, groups: [], incidents: [], maintenance: [] };
    const page = await render();
    await page.getByText('This status page is not configured').waitFor();
    expect(await page.locator('.systems').count()).toBe(0);
    await page.close();
  });
});
