import { headers } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import type { CommandReply } from '../../actors/index.ts';
import { useTestNode } from '../support/fixtures.ts';
import { startTestNode } from '../support/test-node.ts';
import { TEST_ADMIN_TOKEN } from '../support/isolation.ts';

const fixture = useTestNode();

async function command(kind: string, id: string, body: unknown, commandId: string): Promise<CommandReply> {
  const h = headers();
  h.set('Vigil-Command-Id', commandId);
  h.set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
  return (await fixture.node.bus.nc.request(fixture.node.bus.subjects.command(kind, id), JSON.stringify(body), { timeout: 10_000, headers: h })).json<CommandReply>();
}

describe('commands with Vigil-Command-Id', () => {
  it('apply once: a retry gets the change the first attempt committed', async () => {
    await fixture.node.router.dispatch('incident', 'retry', { type: 'create', title: 'Checkout down', severity: 'major', systemIds: ['shop'] });
    const first = await command('incident', 'retry', { type: 'post_update', message: 'rolling back' }, 'cmd-1');
    const retry = await command('incident', 'retry', { type: 'post_update', message: 'rolling back' }, 'cmd-1');
    expect(first).toMatchObject({ ok: true, change: { version: 2, cause: { commandId: 'cmd-1' } } });
    expect(retry).toEqual(first);
    const history = await fixture.node.runtime.history('incident', 'retry');
    expect(history.map((row) => row.version)).toEqual([1, 2]);
    // Another id is another command.
    expect(await command('incident', 'retry', { type: 'post_update', message: 'rolling back' }, 'cmd-2')).toMatchObject({ ok: true, change: { version: 3 } });
  });

  it('apply once when the same id arrives many times at once, through two nodes', async () => {
    const second = await startTestNode({ databaseUrl: fixture.databaseUrl, namespace: fixture.namespace, nodeId: 'second' });
    try {
      await fixture.node.router.dispatch('system', 'dup', { type: 'create', name: 'dup' });
      const attempts = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          (index % 2 === 0 ? fixture.node : second).router.dispatch('system', 'dup', { type: 'update', description: 'once' }, { commandId: 'same-id' }),
        ),
      );
      expect(new Set(attempts.map((change) => change?.version))).toEqual(new Set([2]));
      expect((await fixture.node.runtime.history('system', 'dup')).map((row) => row.version)).toEqual([1, 2]);
    } finally {
      await second.stop();
    }
  });

  it('refuses a malformed id and changes nothing', async () => {
    const reply = await command('system', 'dup', { type: 'update', description: 'x' }, 'has space');
    expect(reply).toMatchObject({ ok: false, error: { code: 'INVALID_EVENT' } });
  });
});
