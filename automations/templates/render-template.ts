import { isPlainObject } from '../expressions/index.ts';
import { TemplateError } from './errors.ts';
import { ParamRef, type AutomationTemplate } from './template-file.ts';
import { parameterValue, type ParameterValue } from './template-parameters.ts';

export interface RenderedTemplate {
  /** Every parameter's value: the one given, else the default. */
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
    const raw = Object.hasOwn(given, parameter.name) ? given[parameter.name]! : parameter.default;
    values[parameter.name] = parameterValue(parameter, raw);
  }
  return { values, automation: substitute(template.body, values) as Record<string, unknown> };
}

function substitute(value: unknown, values: Record<string, ParameterValue>): unknown {
  // parseTemplate checked that every reference is declared, so the value is there.
  if (value instanceof ParamRef) return values[value.name];
  if (Array.isArray(value)) return value.map((item) => substitute(item, values));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, values)]));
  return value;
}
