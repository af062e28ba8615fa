import { describe, expect, it } from 'vitest';
import { automationDefinitionSchema } from './automation-definition.ts';
import { unsupportedFeatures } from './supported-features.ts';

function featuresOf(actions: unknown[]) {
  const definition = automationDefinitionSchema.parse({ id: 'a', name: 'A', triggers: [{ id: 't1', event: 'incident.created' }], actions });
  return unsupportedFeatures(definition);
}

describe('unsupportedFeatures: steps', () => {
  it('accepts repeat and parallel, and delays in repeat bodies', () => {
    expect(
      featuresOf([
        { repeat: { count: 2, sequence: [{ delay: '1m' }, { parallel: [{ action: 'a.b' }, { sequence: [{ stop: 'x' }] }] }] } },
        { parallel: [{ repeat: { until: ['true'], sequence: [{ action: 'a.b' }] } }, { choose: [{ when: ['true'], sequence: [{ variables: { x: 1 } }] }] }] },
      ]),
    ).toEqual([]);
  });

  it('refuses a delay anywhere inside a parallel branch', () => {
    expect(
      featuresOf([
        { delay: '1m' },
        { parallel: [{ delay: '1m' }, { sequence: [{ action: 'a.b' }, { repeat: { count: 2, sequence: [{ delay: '{{ variables.wait }}' }] } }] }] },
      ]),
    ).toEqual([
      { path: ['actions', 1, 'parallel', 0], message: '`delay` inside `parallel` is not supported by this version of Vigil yet' },
      { path: ['actions', 1, 'parallel', 1, 'sequence', 1, 'repeat', 'sequence', 0], message: '`delay` inside `parallel` is not supported by this version of Vigil yet' },
    ]);
  });

  it('refuses wait_for_trigger and wait_until inside a parallel branch, once each', () => {
    // Whether they are supported outside parallel is another matter: only the branch refusal is pinned here.
    expect(featuresOf([{ parallel: [{ wait_for_trigger: { event: 'incident.resolved' } }, { sequence: [{ wait_until: { conditions: ['true'] } }] }] }])).toEqual([
      { path: ['actions', 0, 'parallel', 0], message: expect.stringMatching(/^`wait_for_trigger` .*not supported by this version of Vigil yet$/) },
      { path: ['actions', 0, 'parallel', 1, 'sequence', 0], message: expect.stringMatching(/^`wait_until` .*not supported by this version of Vigil yet$/) },
    ]);
  });
});
