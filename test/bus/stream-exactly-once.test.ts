import { describe, expect, it } from 'vitest';
import { useTestNode } from '../support/fixtures.ts';
import { readStream, waitFor } from '../support/stream-reader.ts';

const fixture = useTestNode();

describe('changes on JetStream', () => {
  it('publishes each version exactly once, with Nats-Msg-Id <kind>:<id>:<version>, even when re-published', async () => {
    const ids = Array.from({ length: 50 }, (_, index) => `sys-${index}`);
    await Promise.all(ids.map((id) => fixture.node.runtime.dispatch('system', id, { type: 'create', name: id })));
    await Promise.all(ids.map((id) => fixture.node.runtime.dispatch('system', id, { type: 'update', description: 'v2' })));
    await waitFor(async () => (await fixture.node.database.query<{ n: string }>('select count(*) as n from outbox'))[0]!.n === '0', 10_000, 'outbox drained');

    // Simulate a relay that published but died before deleting its rows: the same versions again.
    await fixture.node.database.query(
      `insert into outbox (kind, entity_id, version, payload, created_at)
       select kind, id, version, jsonb_build_object('kind', kind, 'id', id, 'version', version, 'prev', prev, 'next', next,
         'changedFields', changed_fields, 'stateValue', state_value, 'at', at, 'cause', cause), at
       from entity_transitions`,
    );
    fixture.node.relay.wake();
    await waitFor(async () => (await fixture.node.database.query<{ n: string }>('select count(*) as n from outbox'))[0]!.n === '0', 10_000, 'outbox drained again');

    const messages = await readStream(fixture.node.bus, fixture.node.bus.subjects.streams.entity, fixture.node.bus.subjects.entityFilter('system'));
    const seen = messages.map((message) => message.messageId);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(100);
    for (const id of ids) {
      const versions = messages
        .filter((message) => message.subject === fixture.node.bus.subjects.entity('system', id))
        .map((message) => (message.json as { version: number }).version);
      expect(versions).toEqual([1, 2]);
    }
    const triggers = await readStream(fixture.node.bus, fixture.node.bus.subjects.streams.trigger, fixture.node.bus.subjects.trigger('catalog.created'));
    expect(triggers.length).toBe(50);
    expect(triggers[0]!.json).toMatchObject({ trigger: 'catalog.created', contextKey: 'systemId', source: { kind: 'system', version: 1 } });
  });
});
