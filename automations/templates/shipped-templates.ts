import { readdirSync, readFileSync } from 'node:fs';
import { TemplateError } from './errors.ts';
import { parseTemplate, type AutomationTemplate } from './template-file.ts';

/** Where the templates shipped with Vigil are: this folder, one `<name>.yaml` each. */
const directory = new URL('./', import.meta.url);
const templateName = /^[a-z0-9][a-z0-9-]*$/;

/** The names of the shipped templates, sorted. */
export function templateNames(): string[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => file.slice(0, -'.yaml'.length))
    .filter((name) => templateName.test(name))
    .sort();
}

/**
 * The shipped template `name`. Only names listed by `templateNames` are read (a name is never
 * used as a path). Throws `TemplateError`: `UNKNOWN_TEMPLATE`, or `INVALID_TEMPLATE` for a
 * malformed file.
 */
export function loadTemplate(name: string): AutomationTemplate {
  const names = templateNames();
  if (!names.includes(name)) throw TemplateError.unknownTemplate(name, names);
  return parseTemplate(name, readFileSync(new URL(`${name}.yaml`, directory), 'utf8'));
}

/** Every shipped template, sorted by name. Throws like `loadTemplate` when one is malformed. */
export function listTemplates(): AutomationTemplate[] {
  return templateNames().map(loadTemplate);
}
