import type { PathSegment } from '../expressions/index.ts';
import type { Condition } from './condition-definition.ts';
import type { Step } from './step-definition.ts';

/**
 * Visits `steps` and every step nested in them (choose options and else, parallel branches,
 * sequences, repeat bodies), parents before children, with the path of each.
 */
export function walkSteps(steps: readonly Step[], path: readonly PathSegment[], visit: (step: Step, path: PathSegment[]) => void): void {
  steps.forEach((step, index) => {
    const stepPath = [...path, index];
    visit(step, stepPath);
    for (const child of childStepLists(step, stepPath)) walkSteps(child.steps, child.path, visit);
  });
}

/** The step lists directly inside `step`. */
export function childStepLists(step: Step, path: readonly PathSegment[]): Array<{ steps: Step[]; path: PathSegment[] }> {
  if ('choose' in step) {
    const lists = step.choose.map((option, index) => ({ steps: option.sequence, path: [...path, 'choose', index, 'sequence'] }));
    return step.else ? [...lists, { steps: step.else, path: [...path, 'else'] }] : lists;
  }
  if ('parallel' in step) return [{ steps: step.parallel, path: [...path, 'parallel'] }];
  if ('sequence' in step) return [{ steps: step.sequence, path: [...path, 'sequence'] }];
  if ('repeat' in step) return [{ steps: step.repeat.sequence, path: [...path, 'repeat', 'sequence'] }];
  return [];
}

/** The condition lists directly inside `step` (a condition step is itself a condition: see `walkConditions`). */
export function conditionListsOf(step: Step, path: readonly PathSegment[]): Array<{ conditions: Condition[]; path: PathSegment[] }> {
  if ('choose' in step) return step.choose.map((option, index) => ({ conditions: option.when, path: [...path, 'choose', index, 'when'] }));
  if ('repeat' in step) {
    const lists: Array<{ conditions: Condition[]; path: PathSegment[] }> = [];
    if (step.repeat.while) lists.push({ conditions: step.repeat.while, path: [...path, 'repeat', 'while'] });
    if (step.repeat.until) lists.push({ conditions: step.repeat.until, path: [...path, 'repeat', 'until'] });
    return lists;
  }
  if ('wait_until' in step) return [{ conditions: step.wait_until.conditions, path: [...path, 'wait_until', 'conditions'] }];
  return [];
}

/** Visits `conditions` and every condition nested in and/or/not, with the path of each. */
export function walkConditions(conditions: readonly Condition[], path: readonly PathSegment[], visit: (condition: Condition, path: PathSegment[]) => void): void {
  conditions.forEach((condition, index) => walkCondition(condition, [...path, index], visit));
}

/** Visits `condition` and every condition nested in it. */
export function walkCondition(condition: Condition, path: PathSegment[], visit: (condition: Condition, path: PathSegment[]) => void): void {
  visit(condition, path);
  if (condition.condition === 'and' || condition.condition === 'or' || condition.condition === 'not') {
    walkConditions(condition.conditions, [...path, 'conditions'], visit);
  }
}
