import type { z } from 'zod';
import {
  compileExpression,
  ExpressionError,
  fieldsNotSecretReferences,
  hasTemplate,
  isPlainObject,
  secretFieldMessage,
  templateIssues,
  type PathSegment,
} from '../expressions/index.ts';
import type { AutomationDefinition } from './automation-definition.ts';
import { resolveActionVersion, type AutomationCatalog } from './catalog.ts';
import type { Condition } from './condition-definition.ts';
import { conditionListsOf, walkCondition, walkConditions, walkSteps } from './definition-walk.ts';
import type { ActionStep } from './step-definition.ts';
import { flattenIssues, type FlatIssue } from './validation-issues.ts';

/**
 * Checks of a structurally valid definition that need the catalog or the expression compiler:
 * trigger and action ids exist, action configs pass their schema, every expression and template
 * compiles. Returns every problem found (an empty list when there is none).
 */
export function saveTimeIssues(definition: AutomationDefinition, catalog: AutomationCatalog): FlatIssue[] {
  const issues: FlatIssue[] = [];
  const report = (path: PathSegment[], message: string): void => {
    issues.push({ path, code: 'custom', message });
  };
  const checkExpression = (source: string | undefined, path: PathSegment[]): void => {
    if (source !== undefined) expressionProblem(source, (message) => report(path, message));
  };
  const checkTemplates = (value: unknown, path: PathSegment[]): void => {
    for (const issue of templateIssues(value)) report([...path, ...issue.segments], issue.message);
  };
  const checkTriggerEvent = (event: string, path: PathSegment[]): void => {
    if (!catalog.triggers.has(event)) report(path, `unknown trigger "${event}"${suggestion(event, catalog.triggers.keys())}`);
  };
  const checkConditionTree = (condition: Condition, path: PathSegment[]): void => {
    walkCondition(condition, path, (nested, nestedPath) => checkCondition(nested, nestedPath, checkExpression, checkTemplates));
  };

  definition.triggers.forEach((trigger, index) => {
    checkTriggerEvent(trigger.event, ['triggers', index, 'event']);
    checkExpression(trigger.filter, ['triggers', index, 'filter']);
    checkExpression(trigger.window?.partition_by, ['triggers', index, 'window', 'partition_by']);
  });
  walkConditions(definition.conditions, ['conditions'], (condition, path) => checkCondition(condition, path, checkExpression, checkTemplates));

  walkSteps(definition.actions, ['actions'], (step, path) => {
    for (const list of conditionListsOf(step, path)) list.conditions.forEach((condition, index) => checkConditionTree(condition, [...list.path, index]));
    if ('action' in step) {
      issues.push(...actionIssues(step, path, catalog));
      checkTemplates(step.config, [...path, 'config']);
    } else if ('condition' in step) checkConditionTree(step, path);
    else if ('variables' in step) checkTemplates(step.variables, [...path, 'variables']);
    else if ('delay' in step) checkTemplates(step.delay, [...path, 'delay']);
    else if ('stop' in step) checkTemplates(step.stop, [...path, 'stop']);
    else if ('repeat' in step) {
      checkTemplates(step.repeat.count, [...path, 'repeat', 'count']);
      checkTemplates(step.repeat.for_each, [...path, 'repeat', 'for_each']);
    } else if ('wait_for_trigger' in step) {
      checkTriggerEvent(step.wait_for_trigger.event, [...path, 'wait_for_trigger', 'event']);
      checkExpression(step.wait_for_trigger.filter, [...path, 'wait_for_trigger', 'filter']);
    }
  });
  return issues;
}

function checkCondition(
  condition: Condition,
  path: PathSegment[],
  checkExpression: (source: string | undefined, path: PathSegment[]) => void,
  checkTemplates: (value: unknown, path: PathSegment[]) => void,
): void {
  switch (condition.condition) {
    case 'expression':
      checkExpression(condition.expression, [...path, 'expression']);
      break;
    case 'numeric_state':
      checkExpression(condition.value, [...path, 'value']);
      break;
    case 'state':
      checkTemplates(condition.entity_id, [...path, 'entity_id']);
      checkTemplates(condition.equals, [...path, 'equals']);
      checkTemplates(condition.in, [...path, 'in']);
      break;
    case 'maintenance':
      checkTemplates(condition.system_id, [...path, 'system_id']);
      break;
  }
}

function expressionProblem(source: string, report: (message: string) => void): void {
  try {
    compileExpression(source);
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    // Expressions are bare CEL; `{{ }}` belongs to templates (strings of action configs and the like).
    const hint = source.includes('{{') ? ' (expressions are written without {{ }}: write `x > 1`, not `{{ x > 1 }}`)' : '';
    report(`${error.message}${hint}`);
  }
}

/**
 * The action exists, the version exists, its secret fields hold exactly one secret reference
 * each, and the config passes that version's schema. A config
 * string holding a template (`{{ … }}` or `${{ secrets.… }}`) only has a value at run time, so
 * issues at or below such a string are not reported, and neither are refinements and unions on
 * an object containing one (they may depend on it); everything else is. The engine validates the
 * rendered config again before the action runs.
 */
function actionIssues(step: ActionStep, path: PathSegment[], catalog: AutomationCatalog): FlatIssue[] {
  const action = catalog.actions.get(step.action);
  if (!action) return [{ path: [...path, 'action'], code: 'custom', message: `unknown action "${step.action}"${suggestion(step.action, catalog.actions.keys())}` }];
  const version = resolveActionVersion(action, step.version);
  const schema = version === undefined ? undefined : action.versions.get(version);
  if (!schema) {
    const known = [...action.versions.keys()].sort((a, b) => a - b).join(', ') || 'none';
    return [{ path: [...path, step.version === undefined ? 'action' : 'version'], code: 'custom', message: `action "${step.action}" has no config version ${step.version ?? ''}`.trimEnd() + ` (known versions: ${known})` }];
  }
  const configPath = [...path, 'config'];
  // A field that must hold a secret reference is reported as such; its schema issues would only repeat it.
  const notReferences = fieldsNotSecretReferences(step.config, action.secretFields ?? []);
  const secretIssues: FlatIssue[] = notReferences.map((field) => ({ path: [...configPath, field], code: 'custom', message: secretFieldMessage(field) }));
  const templatePaths = [...templateStringPaths(step.config), ...notReferences.map((field) => [field])];
  let result: ReturnType<z.ZodType['safeParse']>;
  try {
    result = schema.safeParse(step.config);
  } catch (error) {
    // A provider's transform may throw on a template string; without templates it is a real failure.
    if (templatePaths.length > 0) return secretIssues;
    return [...secretIssues, { path: configPath, code: 'custom', message: `config check failed: ${error instanceof Error ? error.message : String(error)}` }];
  }
  if (result.success) return secretIssues;
  return [
    ...secretIssues,
    ...flattenIssues(result.error.issues, step.config)
      .filter((issue) => !dependsOnTemplate(issue, templatePaths))
      .map((issue) => ({ ...issue, path: [...configPath, ...issue.path] })),
  ];
}

function dependsOnTemplate(issue: FlatIssue, templatePaths: PathSegment[][]): boolean {
  return templatePaths.some(
    (templatePath) => startsWith(issue.path, templatePath) || ((issue.code === 'custom' || issue.code === 'invalid_union') && startsWith(templatePath, issue.path)),
  );
}

function startsWith(path: readonly PathSegment[], prefix: readonly PathSegment[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, index) => path[index] === segment);
}

function templateStringPaths(value: unknown, path: PathSegment[] = []): PathSegment[][] {
  if (typeof value === 'string') return hasTemplate(value) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => templateStringPaths(item, [...path, index]));
  if (isPlainObject(value)) return Object.entries(value).flatMap(([key, item]) => templateStringPaths(item, [...path, key]));
  return [];
}

/** ` (did you mean "x"?)` when a known id is within a couple of edits of `id`. */
function suggestion(id: string, known: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(id.length / 4)) + 1;
  for (const candidate of known) {
    const distance = editDistance(id, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best ? ` (did you mean "${best}"?)` : '';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
