import { listTriggers } from '../machines/index.ts';
import { builtInActions } from './actions/action-catalog.ts';
import { parseAutomationDocument, validateAutomation, type AutomationCatalog, type AutomationDefinition, type DefinitionError } from './definition/index.ts';
import { unsupportedFeatures } from './definition/supported-features.ts';
import { formatPath } from './expressions/index.ts';

/** The catalogs a definition is checked against: Vigil's triggers and built-in actions. */
export function automationCatalog(): AutomationCatalog {
  return {
    triggers: new Set(listTriggers().map((trigger) => trigger.id)),
    actions: new Map(
      [...builtInActions.values()].map((action) => [
        action.id,
        { versions: new Map(Object.entries(action.versions).map(([version, schema]) => [Number(version), schema])), ...(action.secretFields ? { secretFields: action.secretFields } : {}) },
      ]),
    ),
  };
}

export type AutomationCheck = { ok: true; definition: AutomationDefinition } | { ok: false; errors: DefinitionError[] };

/** Everything a definition must pass before it is saved: schema, catalogs, expressions, engine limits. */
export function checkAutomation(input: unknown, catalog = automationCatalog()): AutomationCheck {
  const validated = validateAutomation(input, catalog);
  if (!validated.ok) return validated;
  const limits = unsupportedFeatures(validated.definition).map((feature) => ({ path: formatPath(feature.path), message: feature.message }));
  return limits.length > 0 ? { ok: false, errors: limits } : validated;
}

/** Checks every definition in a YAML or JSON document; errors are prefixed with the definition's index. */
export function checkAutomationText(text: string, format: 'yaml' | 'json'): { ok: true; definitions: AutomationDefinition[] } | { ok: false; errors: DefinitionError[] } {
  let inputs: unknown[];
  try {
    inputs = parseAutomationDocument(text, format);
  } catch (error) {
    return { ok: false, errors: [{ path: '(document)', message: (error as Error).message }] };
  }
  const catalog = automationCatalog();
  const definitions: AutomationDefinition[] = [];
  const errors: DefinitionError[] = [];
  inputs.forEach((input, index) => {
    const checked = checkAutomation(input, catalog);
    if (checked.ok) definitions.push(checked.definition);
    else errors.push(...checked.errors.map((error) => ({ ...error, path: inputs.length > 1 ? `[${index}].${error.path}` : error.path })));
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, definitions };
}
