import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAutomation } from '../../automations/save-check.ts';
import { loadTemplate, renderTemplate } from '../../automations/templates/index.ts';
import { CheckHistoryWriter } from '../../history/index.ts';
import { createLogger } from '../../node/index.ts';
import { CheckHistoryPartitions, CheckHistoryStore } from '../../persistence/index.ts';
import { useTestNode } from '../support/fixtures.ts';
import { TEST_ADMIN_TOKEN } from '../support/isolation.ts';
import { scaled } from '../support/time-scale.ts';

/**
 * The console and the status page in a real headless Chromium against a real node (its HTTP port
 * serves dist/web, built by the tests' global setup): sign in, a system degrading live, the
 * incident an automation opened and its run, disabling an automation, the status page without a
 * token. Screenshots land in test-artifacts/screenshots/ (gitignored).
 */
// The public status page shows the group `core` (VIGIL_STATUS_PAGE_GROUPS), recomputed every second.
const fixture = useTestNode({ env: { VIGIL_STATUS_PAGE_GROUPS: 'core', VIGIL_STATUS_PAGE_TITLE: 'Acme status', VIGIL_STATUS_PAGE_CACHE_MS: '1000' } });
const SCREENSHOTS = 'test-artifacts/screenshots';
const AUTOMATION = 'degraded-incidents';
const dispatch = (kind: string, id: string, event: Record<string, unknown>) => fixture.node.router.dispatch(kind, id, event);

/** One result flips the system's health (thresholds of 1), as in test/automations/template-incidents.test.ts. */
/** A result of check `http` from sat-eu: into the system's health, and into the check history as the gateway stores it. */
async function report(systemId: string, success: boolean): Promise<void> {
  const executedAt = Date.now();
  await dispatch('health', systemId, { type: 'check_result', checkId: 'http', source: 'sat-eu', success, executedAt, thresholds: { healthyAfter: 1, degradedAfter: 1, unhealthyAfter: 1000 } });
  const writer = new CheckHistoryWriter({ store: new CheckHistoryStore(fixture.node.database), partitions: new CheckHistoryPartitions(fixture.node.database), log: createLogger('test', 'silent'), clock: Date.now, rawRetentionMs: 14 * 86_400_000 });
  await writer.record([
    {
      // Check `http` is web's; db's results are of a check of its own.
      checkId: systemId === 'web' ? 'http' : `${systemId}-check`, systemId, source: 'sat-eu', resultId: `http:${executedAt}`, executedAt, success, latencyMs: success ? 42 : 3,
      ...(success ? { timings: { dnsMs: 2, connectMs: 10, tlsMs: 20, firstByteMs: 40, totalMs: 42 } } : { error: { kind: 'connect' as const, code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.7:443' } }),
    },
  ]);
  await writer.stop();
}

let browser: Browser;
let page: Page;
let base: string;

async function shoot(name: string, target: Page = page, fullPage = true): Promise<void> {
  await target.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage });
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  base = `http://127.0.0.1:${fixture.node.http.port}`;
  await dispatch('group', 'core', { type: 'create', name: 'Core services' });
  await dispatch('system', 'web', { type: 'create', name: 'Web shop', description: 'The public shop', groupIds: ['core'] });
  await dispatch('system', 'db', { type: 'create', name: 'Database' });
  await dispatch('satellite', 'sat-eu', { type: 'register', name: 'eu-1', region: 'eu-west' });
  await dispatch('check', 'http', { type: 'create', systemId: 'web', strategy: { kind: 'http', url: 'https://shop.example/health' }, satelliteIds: ['sat-eu'] });
  const rendered = renderTemplate(loadTemplate('sustained-degradation'), { id: AUTOMATION, dwell: '1s', recovery: '1m', severity: 'major' });
  const checked = checkAutomation(rendered.automation);
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  await dispatch('automation', AUTOMATION, { type: 'save', definition: checked.definition });
  await report('web', true);
  await report('db', true);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.setDefaultTimeout(scaled(15_000));
  // A page error (a CSP refusal, an exception) fails the test instead of passing silently.
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => message.type() === 'error' && !/404|Failed to load resource|WebSocket/.test(message.text()) && errors.push(message.text()));
});

const errors: string[] = [];

afterAll(async () => {
  await browser?.close();
});

describe('the console and status page in a browser', () => {
  it('signs in, shows a system degrade live, the incident an automation opened and its run, disables an automation', async () => {
    await page.goto(`${base}/`);
    // Keyboard only: the token field, then Enter submits the form.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('token');
    await page.keyboard.type(TEST_ADMIN_TOKEN);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    // Changes arrive over the live stream (/stream/v1), not by polling.
    await page.getByTestId('feed-mode').getByText('Live', { exact: true }).waitFor();
    // The first Tab reaches the skip link, shown with a visible focus outline.
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => ({ text: document.activeElement?.textContent, outline: getComputedStyle(document.activeElement!).outlineStyle }));
    expect(focused).toEqual({ text: 'Skip to content', outline: 'solid' });
    const web = page.locator('[data-system="web"]');
    await web.locator('.badge', { hasText: 'healthy' }).waitFor();
    await shoot('overview-healthy');

    // A failing result arrives: the overview shows it without a reload.
    await report('web', false);
    await web.locator('.badge', { hasText: 'degraded' }).waitFor();
    expect(await page.locator('[data-system]').first().getAttribute('data-system')).toBe('web'); // worst first

    // The automation opens an incident after its 1 s dwell; it appears among the open incidents.
    const incidentLink = page.getByRole('region', { name: 'Open incidents' }).getByRole('link').first();
    await incidentLink.waitFor();
    await shoot('overview-degraded');

    await web.getByRole('link', { name: 'Web shop' }).click();
    await page.getByRole('heading', { name: /Web shop/ }).waitFor();
    await page.locator('[data-check="http"] .badge', { hasText: 'degraded' }).waitFor();
    await page.locator('.chart canvas').first().waitFor();
    // The check history: one of its two results passed (50 % in every window), the failure with its cause.
    await page.locator('[data-history-check="http"]').getByText('50%').first().waitFor();
    await page.locator('[data-result-status="down"] .cause', { hasText: 'connect ECONNREFUSED: connect ECONNREFUSED 10.0.0.7:443' }).waitFor();
    await page.locator('[data-result-status="up"] .cause', { hasText: 'first byte 40 ms' }).waitFor();
    await shoot('system');

    await page.getByRole('region', { name: 'Incidents' }).getByRole('link').first().click();
    const timeline = page.getByTestId('timeline');
    const runLink = timeline.getByRole('link', { name: /^run / }).first();
    await runLink.waitFor();
    await timeline.getByText(`automation:${AUTOMATION}`).first().waitFor();
    await shoot('incident');

    await runLink.click();
    await page.getByRole('heading', { name: /^Run / }).waitFor();
    await page.getByText('healthcheck.system.degraded').first().waitFor();
    await page.getByTestId('steps').locator('li').first().waitFor();
    await shoot('run');

    await page.getByRole('link', { name: 'Automations' }).click();
    const row = page.locator(`[data-automation="${AUTOMATION}"]`);
    await row.locator('.badge', { hasText: 'enabled' }).waitFor();
    await row.getByRole('button', { name: /^Disable/ }).click();
    await row.locator('.badge', { hasText: 'disabled' }).waitFor();
    await shoot('automations');
    const stored = (await fixture.node.runtime.get('automation', AUTOMATION)).state as { enabled: boolean };
    expect(stored.enabled).toBe(false);

    await page.getByRole('link', { name: 'Satellites' }).click();
    await page.locator('[data-satellite="sat-eu"]').getByText('http').waitFor();
    await page.getByRole('link', { name: 'Cluster' }).click();
    await page.getByRole('heading', { name: 'Nodes' }).waitFor();
    await shoot('cluster');

    // A phone-sized screen: the layout reflows, nothing needs a horizontal scroll of the page.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shoot('overview-phone');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('vigil.token'))).toBeNull();

    // A viewer sees the automations but the node refuses the change: its 403 message is shown.
    const created = await fetch(`${base}/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'browser-viewer', role: 'viewer' }),
    });
    const { token: viewerToken } = (await created.json()) as { token: string };
    await page.setViewportSize({ width: 1200, height: 900 });
    await page.getByLabel('API token').fill(viewerToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Automations' }).click();
    await row.getByRole('button', { name: /^Enable/ }).click();
    await row.getByRole('alert').getByText(/Not allowed: .*may not/).waitFor();
    await shoot('automations-viewer-forbidden');
    expect(((await fixture.node.runtime.get('automation', AUTOMATION)).state as { enabled: boolean }).enabled).toBe(false);
    expect(errors).toEqual([]);
  });

  it('the status page and the API reference load without a token', async () => {
    const context = await browser.newContext();
    const status = await context.newPage();
    status.setDefaultTimeout(scaled(15_000));
    const requests: Array<string | undefined> = [];
    status.on('request', (request) => requests.push(request.headers().authorization));
    await status.goto(`${base}/status`);
    await status.locator('#status[aria-busy="false"]').waitFor();
    await status.getByRole('heading', { level: 1, name: 'Acme status' }).waitFor();
    await status.getByRole('heading', { level: 3, name: 'Core services' }).waitFor();
    const web = status.locator('[data-system="web"]');
    await web.getByText('Degraded performance').waitFor();
    await web.getByText(/^Uptime over the last 90 days: /).waitFor();
    expect(await web.locator('.bar').count()).toBe(90);
    await status.getByRole('region', { name: 'Current incidents' }).getByText('web is degraded').waitFor();
    expect(await status.locator('[data-system="db"]').count()).toBe(0); // not in a shown group
    await shoot('status', status);

    await status.goto(`${base}/docs/api`);
    await status.getByRole('heading', { name: 'GET /systems role: viewer', exact: true }).waitFor();
    await status.getByRole('heading', { name: 'POST /entities/{kind}/{id}/events role: operator', exact: true }).waitFor();
    await status.getByRole('heading', { name: 'GET /status role: public', exact: true }).waitFor();
    await shoot('api-reference', status, false);
    expect(requests.every((authorization) => authorization === undefined)).toBe(true);
    await context.close();
  });
});
