import type { RunWait } from '../../machines/index.ts';
import { conditionEntities, evaluateConditions, type ConditionDetail, type StateReader } from '../conditions/index.ts';
import { walkConditions, type Condition } from '../definition/index.ts';
import { parseDuration } from '../expressions/index.ts';

/** The index keys of a waiting run (see `runWaitSchema`). */
export const waitKeys = {
  entity: (kind: string, id: string) => `entity:${kind}:${id}`,
  anyOfKind: (kind: string) => `kind:${kind}`,
  trigger: (event: string) => `trigger:${event}`,
};

export interface WaitUntilStep {
  wait_until: { conditions: Condition[]; timeout?: number | string; continue_on_timeout?: boolean };
}

export interface WaitForTriggerStep {
  wait_for_trigger: { event: string; filter?: string; timeout?: number | string; continue_on_timeout?: boolean };
}

/**
 * Starts a `wait_until`: when its conditions hold already the run goes on at once; otherwise the
 * run waits, indexed under every entity the conditions read (a change of one of them re-checks
 * it) and, for maintenance conditions, under any maintenance change.
 */
export async function beginWaitUntil(
  step: WaitUntilStep,
  path: string,
  scope: Record<string, unknown>,
  reader: StateReader,
  now: number,
): Promise<{ holds: true; details: ConditionDetail[] } | { holds: false; details: ConditionDetail[]; wait: RunWait }> {
  const { conditions } = step.wait_until;
  const result = await evaluateConditions(conditions, scope, reader, now, `${path}.wait_until.conditions`);
  if (result.ok) return { holds: true, details: result.details };
  const keys = new Set(conditionEntities(conditions, scope).map((reference) => waitKeys.entity(reference.kind, reference.id)));
  walkConditions(conditions, [], (condition) => {
    if (condition.condition === 'maintenance') keys.add(waitKeys.anyOfKind('maintenance'));
  });
  return { holds: false, details: result.details, wait: waitOf('until', path, [...keys], step.wait_until, now) };
}

/** Starts a `wait_for_trigger`: the run waits, indexed under the awaited event. */
export function beginWaitForTrigger(step: WaitForTriggerStep, path: string, now: number): RunWait {
  return waitOf('trigger', path, [waitKeys.trigger(step.wait_for_trigger.event)], step.wait_for_trigger, now);
}

function waitOf(kind: RunWait['kind'], path: string, keys: string[], options: { timeout?: number | string; continue_on_timeout?: boolean }, now: number): RunWait {
  const timeoutAt = options.timeout === undefined ? null : now + parseDuration(options.timeout);
  return { kind, path, keys: keys.slice(0, 200), since: now, timeoutAt, continueOnTimeout: options.continue_on_timeout !== false };
}
