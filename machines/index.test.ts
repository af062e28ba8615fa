import { describe, expect, it } from 'vitest';
import { entityDefinitions, entityKinds, getEntityDefinition, listTriggers } from './index.ts';
import { start } from './test-support.ts';

describe('machines public surface', () => {
  it('has one definition per kind, whose initial state is null or valid', () => {
    for (const kind of entityKinds) {
      const definition = getEntityDefinition(kind);
      expect(definition).toBe(entityDefinitions[kind]);
      expect(definition.kind).toBe(kind);
      const state = definition.toState(start(definition.machine, 'x1'));
      if (state !== null) expect(definition.stateSchema.parse(state)).toEqual(state);
    }
    expect(getEntityDefinition('nope')).toBeUndefined();
    expect(getEntityDefinition('toString')).toBeUndefined();
    expect(listTriggers().length).toBeGreaterThan(0);
  });
});
