import { readFileSync } from 'node:fs';
import { initialTransition, transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { entityDefinitions, entityKinds } from '../machines/index.ts';
import { stepperFor } from './machine-stepper.ts';

interface GoldenStep {
  event: { type: string; at: number };
}

describe('stepperFor', () => {
  it.each(entityKinds)('steps %s exactly like xstate transition() through its golden history', (kind) => {
    const { machine, machineVersion } = entityDefinitions[kind];
    const golden = JSON.parse(readFileSync(new URL(`../machines/golden/${kind}.v${machineVersion}.json`, import.meta.url), 'utf8')) as { id: string; steps: GoldenStep[] };
    const stepper = stepperFor(machine);
    let ours = stepper.initial(golden.id);
    let reference = initialTransition(machine, { id: golden.id })[0];
    expect(ours.value).toEqual(reference.value);
    expect(ours.context).toEqual(reference.context);
    for (const { event } of golden.steps) {
      ours = stepper.next(ours, event);
      reference = transition(machine, reference, event as never)[0];
      expect(ours.value).toEqual(reference.value);
      expect(ours.context).toEqual(reference.context);
    }
  });

  it('is cached per machine', () => {
    expect(stepperFor(entityDefinitions.health.machine)).toBe(stepperFor(entityDefinitions.health.machine));
  });
});
