import { describe, expect, it } from 'vitest';
import { entityReferences } from './entity-references.ts';

const scope = { artifacts: { incident: { id: 'inc-42' } }, trigger: { payload: { systemId: 'sys-1', count: 7 } } };

describe('entityReferences', () => {
  it('finds literal ids written as fields or string keys', () => {
    expect(entityReferences('state.system.s1.name == "api" && state.health["sys-2"].status == "degraded"', {})).toEqual([
      { kind: 'system', id: 's1' },
      { kind: 'health', id: 'sys-2' },
    ]);
  });

  it('evaluates dynamic ids against the scope', () => {
    expect(entityReferences('state.incident[artifacts.incident.id].status == "resolved"', scope)).toEqual([{ kind: 'incident', id: 'inc-42' }]);
    expect(entityReferences('state.health[trigger.payload.systemId].in_status_for > 300000', scope)).toEqual([{ kind: 'health', id: 'sys-1' }]);
  });

  it('uses an integer key as an id', () => {
    expect(entityReferences('state.check[trigger.payload.count].x', scope)).toEqual([{ kind: 'check', id: '7' }]);
  });

  it('deduplicates', () => {
    expect(entityReferences('state.system.s1.a && has(state.system.s1.b) && state.system["s1"].c', {})).toEqual([{ kind: 'system', id: 's1' }]);
  });

  it('finds references inside macros, calls and optional access', () => {
    expect(entityReferences('[1].all(i, state.group.g1.size > i) && state.satellite.?sat1.orValue(null) != null', {})).toEqual([
      { kind: 'group', id: 'g1' },
      { kind: 'satellite', id: 'sat1' },
    ]);
  });

  it('accepts the kind written as a string key', () => {
    expect(entityReferences('state["maintenance"]["m1"].active', {})).toEqual([{ kind: 'maintenance', id: 'm1' }]);
  });

  it('reads templates', () => {
    expect(entityReferences('Incident {{ state.incident[artifacts.incident.id].title }} on {{ state.system.s9.name }}', scope)).toEqual([
      { kind: 'incident', id: 'inc-42' },
      { kind: 'system', id: 's9' },
    ]);
  });

  it('returns [] rather than throwing for what it cannot resolve', () => {
    expect(entityReferences('state.widget.w1.x', {})).toEqual([]);
    expect(entityReferences('state.incident[artifacts.missing.id].status', scope)).toEqual([]);
    expect(entityReferences('state.incident[artifacts.incident].status', scope)).toEqual([]);
    expect(entityReferences('state.incident', {})).toEqual([]);
    expect(entityReferences('state == null', {})).toEqual([]);
    expect(entityReferences('this is ( not cel', {})).toEqual([]);
    expect(entityReferences('{{ broken', {})).toEqual([]);
    expect(entityReferences('other.incident.i1.status', {})).toEqual([]);
  });

  it('resolves ids read from other entities once they are in the scope', () => {
    const source = 'state.incident[state.system.s1.incident_id].status';
    expect(entityReferences(source, {})).toEqual([{ kind: 'system', id: 's1' }]);
    expect(entityReferences(source, { state: { system: { s1: { incident_id: 'i9' } } } })).toEqual([
      { kind: 'incident', id: 'i9' },
      { kind: 'system', id: 's1' },
    ]);
  });
});
