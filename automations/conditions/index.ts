/**
 * Public surface of `automations/conditions/`: evaluating a definition's conditions against a
 * run's scope and entity state read through a `StateReader`. No I/O of its own; time is passed in.
 */
export { evaluateConditions, type ConditionResult, type ConditionDetail } from './evaluate-conditions.ts';
export { buildStateScope } from './state-scope.ts';
export type { EntityView, StateReader } from './state-reader.ts';
export { isWithinTimeWindow, localTime, type LocalTime } from './time-window.ts';
export { valueAtPath, valueMatches, jsonEqual } from './state-value.ts';
export { conditionEntities } from './condition-entities.ts';
