import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useTestNode } from '../support/fixtures.ts';
import { authorization } from '../support/isolation.ts';
import { waitFor } from '../support/stream-reader.ts';
import { runVigil } from '../support/vigil-cli.ts';

/** Push monitors on one node: pings, misses at period + grace (never early), tokens, refusals. */
const fixture = useTestNode();
const url = (path: string) => `http://127.0.0.1:${fixture.node.http.port}${path}`;

interface PushedResult {
  checkId: string;
  source: string;
  success: boolean;
  executedAt: number;
  message?: string;
}

async function send(kind: string, id: string, event: unknown): Promise<void> {
  const response = await fetch(url(`/entities/${kind}/${id}/events`), { method: 'POST', headers: authorization(), body: JSON.stringify(event) });
  expect(response.status, await response.clone().text()).toBe(200);
}

/** Creates a push check of system `shop` and issues its token. */
async function pushCheck(id: string, periodMs: number, graceMs: number): Promise<string> {
  await send('check', id, { type: 'create', systemId: 'shop', strategy: { kind: 'push', periodMs, graceMs } });
  const issued = await fetch(url(`/checks/${id}/push-token`), { method: 'POST', headers: authorization() });
  expect(issued.status).toBe(201);
  const { token, path } = await issued.json();
  expect(path).toBe(`/push/${token}`);
  return token;
}

const ping = (token: string, init: RequestInit & { query?: string } = {}) => fetch(url(`/push/${token}${init.query ?? ''}`), { method: 'POST', ...init });

/** Every push result the health of `shop` took, in the order applied. */
async function pushResults(checkId: string): Promise<Array<PushedResult & { at: number }>> {
  const history = await fixture.node.runtime.history('health', 'shop');
  return history.flatMap((row) => ((row.event.results as PushedResult[] | undefined) ?? []).filter((result) => result.checkId === checkId && result.source === 'push').map((result) => ({ ...result, at: row.at })));
}

describe('push monitors', () => {
  it('stay healthy while pinged; a missing ping fails at period + grace, never earlier, then once per period', async () => {
    await send('system', 'shop', { type: 'create', name: 'Shop' });
    const token = await pushCheck('nightly', 1_000, 500);
    let lastPing = 0;
    for (let index = 0; index < 3; index++) {
      const answer = await ping(token);
      expect(answer.status).toBe(200);
      const body = await answer.json();
      expect(body).toMatchObject({ checkId: 'nightly', status: 'up' });
      lastPing = body.receivedAt;
      if (index < 2) await new Promise((resolve) => setTimeout(resolve, 400));
    }
    // The second miss walks the check to degraded (thresholds 1, 2, 5).
    await waitFor(async () => (await pushResults('nightly')).filter((result) => !result.success).length >= 2, 10_000, 'two misses');
    const results = await pushResults('nightly');
    const failures = results.filter((result) => !result.success);
    expect(results.filter((result) => result.success).map((result) => result.executedAt)).toContain(lastPing);
    // Never early: the first failure is the deadline after the last ping, and committed no sooner.
    expect(failures[0]!.executedAt).toBe(lastPing + 1_500);
    expect(failures[0]!.at).toBeGreaterThanOrEqual(lastPing + 1_500);
    expect(failures[0]!.message).toMatch(/^missed: no ping within the period \(1s\) plus grace \(500ms\)/);
    expect(failures[1]!.executedAt).toBe(lastPing + 2_500);
    // Each ping and each deadline counted once.
    expect(new Set(results.map((result) => result.executedAt)).size).toBe(results.length);
    const health = (await fixture.node.runtime.get('health', 'shop')).state as { checks: Record<string, { status: string }> };
    expect(health.checks['nightly@push']?.status).toBe('degraded');
    // A ping brings it back.
    expect((await ping(token)).status).toBe(200);
    await waitFor(async () => ((await fixture.node.runtime.get('health', 'shop')).state as typeof health).checks['nightly@push']?.status === 'healthy', 5_000, 'healthy again');
  });

  it('takes status and message from the query or a JSON body; a down ping is a reported failure', async () => {
    const token = await pushCheck('backup', 60_000, 1_000);
    const down = await ping(token, { query: '?status=down&message=disk%20full' });
    expect(down.status).toBe(200);
    const failed = await waitFor(async () => (await pushResults('backup')).find((result) => !result.success), 5_000, 'reported failure');
    expect(failed).toMatchObject({ message: 'reported: disk full', executedAt: (await down.json()).receivedAt });
    const up = await ping(token, { body: JSON.stringify({ status: 'up', message: 'ok' }), headers: { 'content-type': 'application/json' } });
    expect(up.status).toBe(200);
    expect(((await fixture.node.runtime.get('check', 'backup')).state as { push: { lastPing: unknown } }).push.lastPing).toMatchObject({ status: 'up', message: 'ok' });
    // Both places at once, an unknown status, an unknown field: 400.
    expect((await ping(token, { query: '?status=down', body: '{"message":"x"}' })).status).toBe(400);
    expect((await ping(token, { query: '?status=sideways' })).status).toBe(400);
    expect((await ping(token, { body: '{"note":"x"}' })).status).toBe(400);
    // Text PostgreSQL cannot store, in the query or the body: 400, and no ping is committed.
    const version = (await fixture.node.runtime.get('check', 'backup')).version;
    expect((await ping(token, { query: '?message=a%00b' })).status).toBe(400);
    expect((await ping(token, { body: JSON.stringify({ message: 'a\u0000b' }) })).status).toBe(400);
    expect((await ping(token, { body: '{"message":"\\ud800"}' })).status).toBe(400);
    expect((await fixture.node.runtime.get('check', 'backup')).version).toBe(version);
  });

  it('accepts a POST without any body (curl -X POST), as an up ping', async () => {
    const token = await pushCheck('cron', 60_000, 1_000);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(fixture.node.http.port, '127.0.0.1', () => socket.write(`POST /push/${token} HTTP/1.1\r\nHost: vigil\r\nConnection: close\r\n\r\n`));
      let text = '';
      socket.setTimeout(5_000, () => reject(new Error('no answer')));
      socket.on('data', (chunk) => (text += chunk.toString()));
      // The answer, then the node closes the connection (Connection: close).
      socket.on('data', () => text.includes('"checkId"') && resolve(text));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer).toContain('"checkId":"cron"');
  });

  it('stores only hashes; unknown, rotated and removed tokens are 404; pings are rate-limited; the metric label is the template', async () => {
    const token = await pushCheck('tokens', 60_000, 1_000);
    const rows = await fixture.node.database.query<{ check_id: string; token_hash: string }>('select check_id, token_hash from push_tokens where check_id = ?', ['tokens']);
    expect(rows).toEqual([{ check_id: 'tokens', token_hash: createHash('sha256').update(token).digest('hex') }]);
    const stored = await fixture.node.database.query(
      `select 1 from entity_transitions where event::text like ? or cause::text like ? or next::text like ?
       union all select 1 from push_tokens where token_hash = ?`,
      [`%${token}%`, `%${token}%`, `%${token}%`, token],
    );
    expect(stored).toEqual([]);

    for (const unknown of ['vgp_unknown', token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'), 'x'.repeat(200)]) {
      const answer = await ping(unknown);
      expect(answer.status).toBe(404);
      expect(await answer.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no push monitor has this token' } });
    }
    // Rotation: the old token stops working at once.
    const rotated = (await (await fetch(url('/checks/tokens/push-token'), { method: 'POST', headers: authorization() })).json()).token as string;
    expect((await ping(token)).status).toBe(404);
    // Burst of 10, then 429 with Retry-After.
    const statuses = [];
    for (let index = 0; index < 11; index++) statuses.push((await ping(rotated)).status);
    expect(statuses.slice(0, 10).every((status) => status === 200)).toBe(true);
    const limited = await ping(rotated);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    // Only push checks get tokens; only operators issue them.
    await send('check', 'web', { type: 'create', systemId: 'shop', strategy: { kind: 'http', url: 'http://shop.test/' } });
    expect((await fetch(url('/checks/web/push-token'), { method: 'POST', headers: authorization() })).status).toBe(409);
    expect((await fetch(url('/checks/none/push-token'), { method: 'POST', headers: authorization() })).status).toBe(404);
    expect((await fetch(url('/checks/tokens/push-token'), { method: 'POST' })).status).toBe(401);
    // A push check has no satellites; callers cannot send pings as commands.
    await send('satellite', 'sat-1', { type: 'register', name: 'Satellite 1', region: 'eu' });
    const refused = await fetch(url('/entities/check/tokens/events'), { method: 'POST', headers: authorization(), body: JSON.stringify({ type: 'update', satelliteIds: ['sat-1'] }) });
    expect(refused.status).toBe(409);
    const forged = await fetch(url('/entities/check/tokens/events'), { method: 'POST', headers: authorization(), body: JSON.stringify({ type: 'ping' }) });
    expect(forged.status).toBe(403);
    // Deleting the check removes its token.
    await send('check', 'tokens', { type: 'delete' });
    await waitFor(async () => (await fixture.node.database.query('select 1 from push_tokens where check_id = ?', ['tokens'])).length === 0, 5_000, 'token removed');
    expect((await ping(rotated)).status).toBe(404);

    const metrics = (await fixture.node.metrics.scrape()).text;
    expect(metrics).toContain('route="/push/{token}"');
    expect(metrics).not.toContain(rotated);
  });

  it('are added from the CLI, which prints the URL to ping once, and rotates it', async () => {
    const added = await runVigil(fixture, ['check', 'add', 'weekly', '--system', 'shop', '--push', '--period', '7d', '--grace', '1h']);
    expect(added.code, added.stderr).toBe(0);
    const first = added.stdout.match(/(http:\/\/\S+\/push\/vgp_\S+)/)?.[1];
    expect(first, added.stdout).toBeDefined();
    expect(added.stdout).toContain(`curl -fsS -X POST ${first}`);
    expect((await fetch(first!, { method: 'POST' })).status).toBe(200);
    const rotated = await runVigil(fixture, ['check', 'push-token', 'weekly']);
    const second = rotated.stdout.match(/(http:\/\/\S+\/push\/vgp_\S+)/)?.[1];
    expect([rotated.code, second === first]).toEqual([0, false]);
    expect((await fetch(first!, { method: 'POST' })).status).toBe(404);
    expect((await fetch(second!, { method: 'POST' })).status).toBe(200);
    expect(((await fixture.node.runtime.get('check', 'weekly')).state as { strategy: unknown }).strategy).toEqual({ kind: 'push', periodMs: 7 * 86_400_000, graceMs: 3_600_000 });
    expect((await runVigil(fixture, ['check', 'add', 'x', '--system', 'shop', '--push'])).code).toBe(2);
  });
});
