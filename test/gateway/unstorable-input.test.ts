import WebSocket from 'ws';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CommandReply } from '../../actors/index.ts';
import { SatelliteCredentialStore } from '../../persistence/index.ts';
import { SATELLITE_PATH, SatelliteCloseCode } from '../../protocol/satellite-protocol.ts';
import { useTestNode } from '../support/fixtures.ts';
import { waitFor } from '../support/stream-reader.ts';
import { authorization, commandHeaders } from '../support/isolation.ts';

/**
 * Text PostgreSQL cannot store (NUL, unpaired surrogates) is refused where it enters — HTTP, NATS,
 * satellite frames — with an error naming the field, while other clients' commands sent at the
 * same time commit: nothing reaches a group commit it could fail.
 */
const fixture = useTestNode();
const http = (path: string) => `http://127.0.0.1:${fixture.node.http.port}${path}`;
const tokens: Record<string, string> = {};

const post = async (kind: string, id: string, body: unknown) => {
  const response = await fetch(http(`/entities/${kind}/${id}/events`), { method: 'POST', headers: authorization(), body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { change?: { version: number }; error?: { code: string; message: string; details?: { issues?: unknown[] } } } };
};

const UNSTORABLE = [
  ['\u0000', 'U+0000'],
  ['\ud800', 'U+D800, a lone surrogate'],
  ['\udc00', 'U+DC00, a lone surrogate'],
] as const;

beforeAll(async () => {
  const credentials = new SatelliteCredentialStore(fixture.node.database);
  for (const id of ['sat-good', 'sat-bad']) {
    tokens[id] = (await credentials.issue(id)).token;
    await fixture.node.router.dispatch('satellite', id, { type: 'register', name: id, region: 'test' });
  }
  await fixture.node.router.dispatch('system', 'shop', { type: 'create', name: 'Shop' });
  await fixture.node.router.dispatch('system', 'cut-system', { type: 'create', name: 'Cut' });
  // Results are accepted only for checks assigned to their satellite.
  const check = (systemId: string, satelliteIds: string[]) => ({ type: 'create', systemId, strategy: { kind: 'tcp', host: '127.0.0.1', port: 9 }, satelliteIds });
  for (let index = 0; index < 40; index++) await fixture.node.router.dispatch('check', `check-${index}`, check('shop', ['sat-good']));
  await fixture.node.router.dispatch('check', 'check-bad', check('shop', ['sat-bad']));
  await fixture.node.router.dispatch('check', 'cut', check('cut-system', ['sat-good']));
  await fixture.node.router.dispatch('incident', 'inc-1', { type: 'create', title: 'Slow', severity: 'minor', systemIds: ['shop'] });
});

function connect(id: string): Promise<{ ws: WebSocket; frames: Array<Record<string, unknown>>; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${fixture.node.http.port}${SATELLITE_PATH}`, { headers: { authorization: `Bearer ${tokens[id]}` } });
    const frames: Array<Record<string, unknown>> = [];
    const closed = new Promise<number>((resolveClose) => ws.on('close', (code) => resolveClose(code)));
    ws.on('message', (data) => frames.push(JSON.parse(String(data))));
    ws.on('open', () => resolve({ ws, frames, closed }));
    ws.on('error', reject);
  });
}

describe('HTTP and NATS commands with text PostgreSQL cannot store', () => {
  it.each(UNSTORABLE)('refuse %j in a system name, a rename and an incident update (400, naming the field); bystanders in flight commit', async (character, name) => {
    const message = `contains a character PostgreSQL cannot store (${name})`;
    const shopBefore = await fixture.node.runtime.get('system', 'shop');
    const incidentBefore = await fixture.node.runtime.get('incident', 'inc-1');
    const tag = name.slice(2, 6);
    const bystanders = Array.from({ length: 30 }, (_, index) =>
      index % 2 === 0
        ? post('system', `bystander-${tag}-${index}`, { type: 'create', name: `Bystander \u{1F680} ${index}` })
        : post('incident', 'inc-1', { type: 'post_update', message: `still looking ${tag} ${index} \u{1F50D}` }),
    );
    const refused = await Promise.all([
      post('system', `new-${tag}`, { type: 'create', name: `New${character}` }),
      post('system', 'shop', { type: 'update', name: `Sh${character}op` }),
      post('incident', 'inc-1', { type: 'post_update', message: `Found it${character}` }),
    ]);
    expect(refused.map((response) => response.status)).toEqual([400, 400, 400]);
    expect(refused.map((response) => response.body.error)).toEqual([
      { code: 'INVALID_EVENT', message: `invalid system event: name: ${message}`, details: { issues: [{ path: ['name'], message }] } },
      { code: 'INVALID_EVENT', message: `invalid system event: name: ${message}`, details: { issues: [{ path: ['name'], message }] } },
      { code: 'INVALID_EVENT', message: `invalid incident event: message: ${message}`, details: { issues: [{ path: ['message'], message }] } },
    ]);

    const answers = await Promise.all(bystanders);
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    const incidentVersions = answers.filter((_, index) => index % 2 === 1).map((answer) => answer.body.change!.version).sort((a, b) => a - b);
    expect(incidentVersions).toEqual(Array.from({ length: 15 }, (_, index) => incidentBefore.version + 1 + index));
    for (let index = 0; index < 30; index += 2) expect(answers[index]!.body.change!.version).toBe(1);

    expect(await fixture.node.runtime.get('system', 'shop')).toEqual(shopBefore);
    expect((await fixture.node.runtime.get('system', `new-${tag}`)).version).toBe(0);
  });

  it('refuses it in a NATS command the same way', async () => {
    const reply = await fixture.node.bus.nc.request(
      fixture.node.bus.subjects.command('system', 'shop'),
      JSON.stringify({ type: 'update', description: 'a\u0000b' }),
      { timeout: 5_000, headers: commandHeaders() },
    );
    expect(reply.json<CommandReply>()).toMatchObject({
      ok: false,
      error: { code: 'INVALID_EVENT', message: 'invalid system event: description: contains a character PostgreSQL cannot store (U+0000)' },
    });
  });
});

describe('satellite result frames with text PostgreSQL cannot store', () => {
  it('answers an error frame naming the field and closes (4400), while another satellite\'s results for the same system commit', async () => {
    const good = await connect('sat-good');
    const bad = await connect('sat-bad');
    await waitFor(() => good.frames.some((frame) => frame.type === 'authenticated') && bad.frames.some((frame) => frame.type === 'authenticated'), 5_000, 'both authenticated');
    const healthBefore = (await fixture.node.runtime.get('health', 'shop')).version;
    let executedAt = Date.now();
    const result = (resultId: string, checkId: string, detail: string) =>
      JSON.stringify({ type: 'result', resultId, checkId, systemId: 'shop', status: 'down', latencyMs: 3, executedAt: executedAt++, detail });

    for (let index = 0; index < 20; index++) good.ws.send(result(`g${index}`, `check-${index}`, `refused \u{1F6AB} ${index}`));
    bad.ws.send(result('b1', 'check-bad', 'refused\u0000'));
    for (let index = 20; index < 40; index++) good.ws.send(result(`g${index}`, `check-${index}`, `refused \u{1F6AB} ${index}`));

    expect(await bad.closed).toBe(SatelliteCloseCode.ProtocolError);
    expect(bad.frames).toContainEqual({ type: 'error', code: 'INVALID_MESSAGE', message: 'detail: contains a character PostgreSQL cannot store (U+0000)' });
    const acked = () => new Set(good.frames.flatMap((frame) => (frame.type === 'results_acked' ? (frame.resultIds as string[]) : [])));
    await waitFor(() => acked().size === 40, 10_000, 'all 40 results of the good satellite acknowledged');
    const health = await fixture.node.runtime.get('health', 'shop');
    expect(health.version).toBeGreaterThan(healthBefore);
    const checks = (health.state as { checks: Record<string, unknown> }).checks;
    expect(Object.keys(checks).filter((key) => key.startsWith('check-'))).toHaveLength(40);
    expect(JSON.stringify(checks)).not.toContain('check-bad');
    good.ws.close();
  });

  it('stores a failure detail cut at the 500-character limit in the middle of an emoji (the pair is not split)', async () => {
    const good = await connect('sat-good');
    await waitFor(() => good.frames.some((frame) => frame.type === 'authenticated'), 5_000, 'authenticated');
    const detail = `${'x'.repeat(499)}\u{1F680} and more`;
    good.ws.send(JSON.stringify({ type: 'result', resultId: 'cut-1', checkId: 'cut', systemId: 'cut-system', status: 'down', latencyMs: 3, executedAt: Date.now(), detail }));
    await waitFor(() => good.frames.some((frame) => frame.type === 'results_acked' && (frame.resultIds as string[]).includes('cut-1')), 10_000, 'the result acknowledged');
    const history = await fixture.node.runtime.history('health', 'cut-system');
    expect((history[0]!.event as { results: Array<{ message: string }> }).results[0]!.message).toBe('x'.repeat(499));
    good.ws.close();
  });
});
