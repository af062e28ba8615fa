import { describe, expect, it } from 'vitest';
import { useTestNode } from '../support/fixtures.ts';

const fixture = useTestNode();

describe('dispatch', () => {
  it('commits a transition and resolves with the change', async () => {
    const change = await fixture.node.runtime.dispatch('system', 'api', { type: 'create', name: 'API' }, { actor: 'alice' });
    expect(change).toMatchObject({
      kind: 'system',
      id: 'api',
      version: 1,
      prev: null,
      next: { id: 'api', name: 'API' },
      stateValue: 'active',
      cause: { event: 'create', actor: 'alice' },
    });
    expect(change!.changedFields).toContain('name');
  });

  it('suppresses a transition that changes nothing: null, no stored transition, no version', async () => {
    await fixture.node.runtime.dispatch('system', 'noop', { type: 'create', name: 'Same' });
    expect(await fixture.node.runtime.dispatch('system', 'noop', { type: 'update', name: 'Same' })).toBeNull();
    const history = await fixture.node.runtime.history('system', 'noop');
    expect(history.map((row) => row.version)).toEqual([1]);
    const changed = await fixture.node.runtime.dispatch('system', 'noop', { type: 'update', name: 'Other' });
    expect(changed).toMatchObject({ version: 2, changedFields: ['name'], prev: { name: 'Same' }, next: { name: 'Other' } });
  });

  it('numbers 1,000 concurrent dispatches to one entity 1..1000 with no gap and no duplicate', async () => {
    await fixture.node.runtime.dispatch('system', 'busy', { type: 'create', name: 'n0' });
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, index) => fixture.node.runtime.dispatch('system', 'busy', { type: 'update', name: `n${index + 1}` })),
    );
    const versions = results.map((change) => change!.version).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: 1000 }, (_, index) => index + 2));
    const stored = await fixture.node.runtime.history('system', 'busy', { limit: 2000 });
    expect(stored.map((row) => row.version)).toEqual(Array.from({ length: 1001 }, (_, index) => index + 1));
    // Events of one entity run in arrival order: the last update wins.
    expect((await fixture.node.runtime.get('system', 'busy')).state).toMatchObject({ name: 'n1000' });
  });

  it('runs different entities in parallel and reads them hot or cold alike', async () => {
    const ids = Array.from({ length: 200 }, (_, index) => `par-${index}`);
    await Promise.all(ids.map((id) => fixture.node.runtime.dispatch('group', id, { type: 'create', name: id })));
    const hot = await fixture.node.runtime.getMany('group', ids);
    expect(fixture.node.runtime.passivateIdle(0)).toBeGreaterThanOrEqual(200);
    const cold = await fixture.node.runtime.getMany('group', ids);
    expect(cold).toEqual(hot);
    expect(cold.every((view) => view.version === 1 && view.stateValue === 'active')).toBe(true);
    // A passivated actor re-activates from its stored snapshot and goes on from its version.
    const next = await fixture.node.runtime.dispatch('group', 'par-7', { type: 'update', name: 'renamed' });
    expect(next).toMatchObject({ version: 2, prev: { name: 'par-7' }, next: { name: 'renamed' } });
  });

  it('reads an entity that was never written as version 0 with null state', async () => {
    expect(await fixture.node.runtime.get('incident', 'nothing-here')).toMatchObject({ version: 0, state: null });
    // A health aggregate with no results yet is healthy.
    expect(await fixture.node.runtime.get('health', 'no-results')).toMatchObject({ version: 0, state: { status: 'healthy', totalChecks: 0 } });
  });

  it('stores a tombstone: next is null on delete', async () => {
    await fixture.node.runtime.dispatch('system', 'gone', { type: 'create', name: 'Gone' });
    const deleted = await fixture.node.runtime.dispatch('system', 'gone', { type: 'delete' });
    expect(deleted).toMatchObject({ version: 2, next: null, prev: { name: 'Gone' }, stateValue: 'deleted' });
    await expect(fixture.node.runtime.dispatch('system', 'gone', { type: 'update', name: 'Back' })).rejects.toMatchObject({ code: 'EVENT_NOT_ALLOWED' });
  });

  it('rejects bad input with a clear error and changes nothing', async () => {
    await fixture.node.runtime.dispatch('system', 'strict', { type: 'create', name: 'Strict' });
    await expect(fixture.node.runtime.dispatch('nope', 'x', { type: 'create' })).rejects.toMatchObject({ code: 'UNKNOWN_KIND' });
    await expect(fixture.node.runtime.dispatch('system', 'bad.id', { type: 'create', name: 'x' })).rejects.toMatchObject({ code: 'INVALID_ID' });
    await expect(fixture.node.runtime.dispatch('system', 'strict', { type: 'update', name: 42 })).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    await expect(fixture.node.runtime.dispatch('system', 'strict', { type: 'explode' })).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    await expect(fixture.node.runtime.dispatch('system', 'strict', { type: 'create', name: 'Again' })).rejects.toMatchObject({ code: 'EVENT_NOT_ALLOWED' });
    await expect(fixture.node.runtime.dispatch('satellite', 'sat', { type: 'heartbeat_timeout', dueAt: 1 })).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    expect((await fixture.node.runtime.history('system', 'strict')).map((row) => row.version)).toEqual([1]);
    expect((await fixture.node.runtime.get('satellite', 'sat')).version).toBe(0);
  });
});

describe('a batch of queued events for one entity', () => {
  it('answers each event on its own: refusals and no-ops do not affect their neighbours', async () => {
    const results = await Promise.allSettled([
      fixture.node.runtime.dispatch('incident', 'mixed', { type: 'create', title: 'Slow checkout', severity: 'minor', systemIds: ['shop'] }),
      fixture.node.runtime.dispatch('incident', 'mixed', { type: 'create', title: 'Twice', severity: 'minor', systemIds: [] }),
      fixture.node.runtime.dispatch('incident', 'mixed', { type: 'update', severity: 'minor' }),
      fixture.node.runtime.dispatch('incident', 'mixed', { type: 'update', severity: 'critical' }),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[0] as PromiseFulfilledResult<{ version: number }>).value.version).toBe(1);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'EVENT_NOT_ALLOWED' });
    expect((results[2] as PromiseFulfilledResult<unknown>).value).toBeNull();
    expect((results[3] as PromiseFulfilledResult<{ version: number; prev: unknown }>).value).toMatchObject({ version: 2, prev: { severity: 'minor' } });
  });
});
