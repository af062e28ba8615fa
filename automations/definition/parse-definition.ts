import { parseAllDocuments } from 'yaml';
import { findUnstorable } from '../../protocol/storable-text.ts';
import { formatPath, isPlainObject } from '../expressions/index.ts';
import { automationDefinitionSchema, type AutomationDefinition } from './automation-definition.ts';
import type { AutomationCatalog } from './catalog.ts';
import { DefinitionParseError } from './errors.ts';
import { saveTimeIssues } from './save-time-checks.ts';
import { flattenIssues, toDefinitionErrors, type DefinitionError } from './validation-issues.ts';

/**
 * The automation definitions in a YAML or JSON document, not yet validated. The document may
 * hold one definition, a list of them, or `{ automations: [...] }`; a YAML stream of several
 * documents (`---`) yields the definitions of each. `format` defaults to YAML (which reads JSON
 * too; pass 'json' for strict JSON). Throws `DefinitionParseError` with the line and column.
 */
export function parseAutomationDocument(text: string, format: 'yaml' | 'json' = 'yaml'): unknown[] {
  if (format === 'json') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw DefinitionParseError.syntax('json', error instanceof Error ? error.message : String(error));
    }
    return definitionsIn(value);
  }
  // YAML 1.2 core schema: `on`/`yes` stay strings and dates stay strings. `<<` merge keys let a
  // file share blocks between automations through anchors.
  const documents = parseAllDocuments(text, { merge: true, prettyErrors: true, uniqueKeys: true });
  const list = Array.isArray(documents) ? documents : [documents];
  const definitions: unknown[] = [];
  for (const document of list) {
    const [error] = document.errors;
    if (error) {
      const position = error.linePos?.[0];
      throw DefinitionParseError.syntax('yaml', error.message.split('\n')[0] ?? error.message, position?.line, position?.col);
    }
    const value: unknown = document.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    definitions.push(...definitionsIn(value));
  }
  return definitions;
}

function definitionsIn(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (isPlainObject(value) && Object.hasOwn(value, 'automations') && !Object.hasOwn(value, 'id')) {
    const automations = value.automations;
    if (!Array.isArray(automations)) throw DefinitionParseError.shape('"automations" must be a list of automation definitions');
    return automations;
  }
  if (isPlainObject(value)) return [value];
  throw DefinitionParseError.shape('expected an automation definition, a list of them, or { automations: [...] }');
}

export type AutomationValidation = { ok: true; definition: AutomationDefinition } | { ok: false; errors: DefinitionError[] };

/**
 * Validates one definition for saving: its structure (zod), then against `catalog` (trigger
 * events and actions exist, each action config passes its version's schema) and the compiler
 * (every expression and template compiles). Every error carries the JSON path it is about.
 * Structural errors are reported alone: the later checks need a well-formed definition. Text
 * PostgreSQL cannot store (NUL, unpaired surrogates) and nesting deeper than 64 levels are
 * reported first, before the structure is looked at.
 */
export function validateAutomation(input: unknown, catalog: AutomationCatalog): AutomationValidation {
  // Before zod: its recursive step schemas must never walk an arbitrarily deep document.
  const unstorable = findUnstorable(input);
  if (unstorable.length > 0) return { ok: false, errors: unstorable.map((issue) => ({ path: formatPath(issue.path), message: issue.message })) };
  const parsed = automationDefinitionSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: toDefinitionErrors(flattenIssues(parsed.error.issues, input)) };
  const issues = saveTimeIssues(parsed.data, catalog);
  if (issues.length > 0) return { ok: false, errors: toDefinitionErrors(issues) };
  return { ok: true, definition: parsed.data };
}
