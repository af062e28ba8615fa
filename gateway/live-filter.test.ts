import { describe, expect, it } from 'vitest';
import type { EntityChange, TriggerMessage } from '../machines/index.ts';
import { changeMatches, systemsOfChange, systemsOfTrigger, triggerMatches, type LiveFilter } from './live-filter.ts';

const change = (kind: EntityChange['kind'], id: string, prev: Record<string, unknown> | null, next: Record<string, unknown> | null): EntityChange => ({
  kind, id, version: 1, prev, next, changedFields: [], stateValue: 'active', at: 0, cause: { event: 'x' },
});
const filter = (fields: Partial<LiveFilter>): LiveFilter => ({ kinds: null, ids: null, systems: null, triggers: false, ...fields });
const matches = (f: LiveFilter, c: EntityChange) => changeMatches(f, c, () => systemsOfChange(c));

describe('live stream filters', () => {
  it('relates a change to systems by kind and id, systemId and systemIds, before or after', () => {
    expect(systemsOfChange(change('health', 'a', null, { systemId: 'a' }))).toContain('a');
    expect(systemsOfChange(change('check', 'c1', null, { systemId: 'b' }))).toEqual(['b']);
    // An incident that no longer names system a still reaches a's watchers once (the removal).
    expect(systemsOfChange(change('incident', 'i1', { systemIds: ['a', 'b'] }, { systemIds: ['b'] }))).toEqual(['a', 'b', 'b']);
    expect(systemsOfChange(change('group', 'g', null, { name: 'g' }))).toEqual([]);
  });

  it('needs every filter given to match', () => {
    const c = change('incident', 'i1', null, { systemIds: ['a'] });
    expect(matches(filter({}), c)).toBe(true);
    expect(matches(filter({ kinds: new Set(['incident']), systems: new Set(['a']) }), c)).toBe(true);
    expect(matches(filter({ kinds: new Set(['incident']), systems: new Set(['b']) }), c)).toBe(false);
    expect(matches(filter({ kinds: new Set(['system']) }), c)).toBe(false);
    expect(matches(filter({ ids: new Set(['i2']) }), c)).toBe(false);
  });

  it('sends triggers only when asked, filtered by source and payload systems', () => {
    const t: TriggerMessage = { trigger: 'incident.created', contextKey: 'incidentId', contextValue: 'i1', payload: { systemIds: ['a'] }, source: { kind: 'incident', id: 'i1', version: 1 }, at: 0 };
    const systems = () => systemsOfTrigger(t);
    expect(triggerMatches(filter({ systems: new Set(['a']) }), t, systems)).toBe(false);
    expect(triggerMatches(filter({ triggers: true, systems: new Set(['a']) }), t, systems)).toBe(true);
    expect(triggerMatches(filter({ triggers: true, systems: new Set(['b']) }), t, systems)).toBe(false);
    expect(triggerMatches(filter({ triggers: true, kinds: new Set(['incident']) }), t, systems)).toBe(true);
  });
});
