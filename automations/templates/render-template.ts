import { isPlainObject } from '../expressions/index.ts';
import { TemplateError } from './errors.ts';
import { IF_GIVEN, ParamRef, type AutomationTemplate } from './template-file.ts';
import { isOptional, parameterValue, type ParameterValue } from './template-parameters.ts';

export interface RenderedTemplate {
  /** Every parameter's value: the one given, else the default; an optional one not given has none. */
  values: Record<string, ParameterValue>;
  /** The automation document (input form, like a file for `vigil automation apply`), not yet checked. */
  automation: Record<string, unknown>;
}

/**
 * The automation of `template` with `given` values (name → text, as from `--set name=value`)
 * and defaults for the rest. Pure; the template is not changed. Throws `TemplateError`:
 * `UNKNOWN_PARAMETER` for a name the template does not declare, `INVALID_PARAMETER` for a value
 * its type refuses. The result still has to pass `checkAutomation` before it is saved.
 */
export function renderTemplate(template: AutomationTemplate, given: Readonly<Record<string, string>> = {}): RenderedTemplate {
  const known = template.parameters.map((parameter) => parameter.name);
  for (const name of Object.keys(given)) if (!known.includes(name)) throw TemplateError.unknownParameter(template.name, name, known);
  const values: Record<string, ParameterValue> = {};
  for (const parameter of template.parameters) {
    if (Object.hasOwn(given, parameter.name)) values[parameter.name] = parameterValue(parameter, given[parameter.name]!);
    else if (!isOptional(parameter)) values[parameter.name] = parameterValue(parameter, parameter.default);
  }
  return { values, automation: substitute(template.body, values) as Record<string, unknown> };
}

function substitute(value: unknown, values: Record<string, ParameterValue>): unknown {
  // parseTemplate checked that every reference is declared, and that an optional one is used
  // only inside items marked with it (left out below when it has no value).
  if (value instanceof ParamRef) return values[value.name];
  if (Array.isArray(value)) {
    return value
      .filter((item) => !(isPlainObject(item) && typeof item[IF_GIVEN] === 'string' && !Object.hasOwn(values, item[IF_GIVEN])))
      .map((item) => substitute(item, values));
  }
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).flatMap(([key, item]) => (key === IF_GIVEN ? [] : [[key, substitute(item, values)]])));
  return value;
}
