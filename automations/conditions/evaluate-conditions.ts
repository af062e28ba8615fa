import type { Condition } from '../definition/index.ts';
import { evaluateExpression, ExpressionError, renderDeep, renderTemplate } from '../expressions/index.ts';
import { buildStateScope } from './state-scope.ts';
import type { StateReader } from './state-reader.ts';
import { valueAtPath, valueMatches } from './state-value.ts';
import { isWithinTimeWindow } from './time-window.ts';
import { truncateText } from '../../protocol/storable-text.ts';

export type { EntityView, StateReader } from './state-reader.ts';
export { buildStateScope } from './state-scope.ts';

export interface ConditionDetail {
  /** Where the condition sits, e.g. `conditions[1].conditions[0]`. */
  path: string;
  /** Its type: expression, and, numeric_state, … */
  condition: string;
  result: boolean;
  /** Why it could not be evaluated (it then counts as false). */
  error?: string;
  /** What was compared, for traces: the expression's result, the number, the entity's value. */
  value?: unknown;
}

export interface ConditionResult {
  ok: boolean;
  /** One entry per evaluated condition (a composite before its children), for traces. */
  details: ConditionDetail[];
}

/**
 * Evaluates `conditions` in order; all must hold (AND), evaluation stops at the first false.
 * Entities read through `state.<kind>.<id>` are loaded first (see `buildStateScope`). A
 * condition that cannot be evaluated (an expression or template error, a non-boolean result, a
 * non-numeric value) is false and its `error` says why; only a failing `reader` rejects.
 * `now` is epoch ms: conditions never read a clock.
 */
export async function evaluateConditions(
  conditions: readonly Condition[],
  scope: Record<string, unknown>,
  reader: StateReader,
  now: number,
  path = 'conditions',
): Promise<ConditionResult> {
  const details: ConditionDetail[] = [];
  const ok = await allHold(conditions, path, { scope, reader, now, details });
  return { ok, details };
}

interface Evaluation {
  scope: Record<string, unknown>;
  reader: StateReader;
  now: number;
  details: ConditionDetail[];
}

async function allHold(conditions: readonly Condition[], path: string, evaluation: Evaluation): Promise<boolean> {
  for (const [index, condition] of conditions.entries()) {
    if (!(await holds(condition, `${path}[${index}]`, evaluation))) return false;
  }
  return true;
}

async function holds(condition: Condition, path: string, evaluation: Evaluation): Promise<boolean> {
  const detail: ConditionDetail = { path, condition: condition.condition, result: false };
  evaluation.details.push(detail);
  try {
    const outcome = await outcomeOf(condition, path, evaluation);
    detail.result = outcome.result;
    if ('value' in outcome) detail.value = outcome.value;
    if (outcome.error !== undefined) detail.error = outcome.error;
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    detail.error = error.message;
  }
  return detail.result;
}

type Outcome = { result: boolean; value?: unknown; error?: string };

async function outcomeOf(condition: Condition, path: string, evaluation: Evaluation): Promise<Outcome> {
  const { reader, now } = evaluation;
  switch (condition.condition) {
    case 'expression': {
      const value = await evaluateWithState(condition.expression, evaluation);
      if (typeof value !== 'boolean') return { result: false, value, error: `the expression must yield a boolean, got ${describe(value)}` };
      return { result: value, value };
    }
    case 'and':
      return { result: await allHold(condition.conditions, `${path}.conditions`, evaluation) };
    case 'or':
    case 'not': {
      let anyHolds = false;
      for (const [index, nested] of condition.conditions.entries()) {
        if (await holds(nested, `${path}.conditions[${index}]`, evaluation)) {
          anyHolds = true;
          break;
        }
      }
      return { result: condition.condition === 'or' ? anyHolds : !anyHolds };
    }
    case 'numeric_state': {
      const value = await evaluateWithState(condition.value, evaluation);
      const number = toNumber(value);
      if (number === undefined) return { result: false, value, error: `the value must be a number, got ${describe(value)}` };
      const aboveOk = condition.above === undefined || number > condition.above;
      const belowOk = condition.below === undefined || number < condition.below;
      return { result: aboveOk && belowOk, value: number };
    }
    case 'time':
      try {
        return { result: isWithinTimeWindow(condition, now) };
      } catch (error) {
        // Only a time zone this runtime's ICU data does not know (validated at save time) gets here.
        if (error instanceof RangeError) return { result: false, error: error.message };
        throw error;
      }
    case 'state': {
      const entityId = await renderId(condition.entity_id, evaluation);
      if (entityId === undefined) return { result: false, error: 'entity_id must render to a non-empty string' };
      const entity = await reader.read(condition.kind, entityId);
      if (!entity.exists) return { result: false, value: null, error: `${condition.kind} "${entityId}" does not exist` };
      const value = condition.path === undefined ? entity.stateValue : valueAtPath(entity.state, condition.path);
      const isStateValue = condition.path === undefined;
      const scope = await buildStateScope(templatesIn(condition.equals, condition.in), evaluation.scope, reader, now);
      const expected = condition.in !== undefined ? (renderDeep(condition.in, scope) as unknown[]) : [renderDeep(condition.equals, scope)];
      if (!expected.some((candidate) => valueMatches(value, candidate, isStateValue))) return { result: false, value };
      if (condition.for === undefined) return { result: true, value };
      const since = await reader.since(condition.kind, entityId, condition.path);
      return { result: since !== null && now - since >= condition.for, value };
    }
    case 'maintenance': {
      const systemId = await renderId(condition.system_id, evaluation);
      if (systemId === undefined) return { result: false, error: 'system_id must render to a non-empty string' };
      const inMaintenance = await reader.inMaintenance(systemId, now);
      return { result: inMaintenance === condition.active, value: inMaintenance };
    }
  }
}

async function evaluateWithState(source: string, evaluation: Evaluation): Promise<unknown> {
  const scope = await buildStateScope([source], evaluation.scope, evaluation.reader, evaluation.now);
  return evaluateExpression(source, scope);
}

// An id field may be a template (`{{ trigger.payload.systemId }}`); numbers are accepted as ids.
async function renderId(template: string, evaluation: Evaluation): Promise<string | undefined> {
  const scope = await buildStateScope([template], evaluation.scope, evaluation.reader, evaluation.now);
  const id = renderTemplate(template, scope);
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  return typeof id === 'string' && id !== '' ? id : undefined;
}

function templatesIn(...values: unknown[]): string[] {
  const found: string[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.includes('{{')) found.push(value);
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(visit);
  };
  values.forEach(visit);
  return found;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const number = Number(value);
    return Number.isFinite(number) ? number : undefined;
  }
  return undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  const text = JSON.stringify(value) ?? String(value);
  return `${typeof value} ${text.length > 60 ? `${truncateText(text, 60)}…` : text}`;
}
