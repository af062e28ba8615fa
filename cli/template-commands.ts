import { stringify } from 'yaml';
import { z } from 'zod';
import type { AutomationDefinition } from '../automations/definition/index.ts';
import { checkAutomation } from '../automations/save-check.ts';
import { describeParameter, listTemplates, loadTemplate, renderTemplate, TemplateError, type RenderedTemplate } from '../automations/templates/index.ts';
import type { CommandLine } from './command-line.ts';
import { fail, UsageError } from './exit.ts';

// `vigil automation template list | show NAME | apply NAME`: the templates shipped in
// `automations/templates/`. `show` and `apply` render the template with `--set name=value` (and
// `--id`) over its defaults, then run the checks of `vigil automation apply`; `apply` saves the
// checked definition (cli/automation-commands.ts). A bad value (exit code 2) sends nothing.

export async function listTemplatesCommand(line: CommandLine): Promise<number> {
  const { json } = line.options(z.object({ json: z.boolean().optional() }));
  const templates = listTemplates();
  if (json) {
    console.log(JSON.stringify(templates.map(({ name, description, parameters }) => ({ name, description, parameters })), null, 2));
    return 0;
  }
  for (const template of templates) {
    console.log(`${template.name.padEnd(24)} ${template.description}`);
    for (const parameter of template.parameters) console.log(`    ${describeParameter(parameter)}`);
  }
  console.log('\n(vigil automation template show <name> [--set name=value ...] prints the automation; apply saves it)');
  return 0;
}

export async function showTemplate(line: CommandLine): Promise<number> {
  const { json } = line.options(z.object({ json: z.boolean().optional() }));
  return withTemplate(line, (rendered, name) => {
    if (json) console.log(JSON.stringify(rendered.automation, null, 2));
    else console.log(`# from template ${name}: ${Object.entries(rendered.values).map(([key, value]) => `${key}=${String(value)}`).join(', ')}\n${stringify(rendered.automation, { lineWidth: 0 }).trimEnd()}`);
    return Promise.resolve(0);
  });
}

const valuesOptions = z
  .object({
    set: z.array(z.string().regex(/^[^=]+=/, 'expected name=value')).default([]),
    id: z.string().optional(),
  });

/**
 * Renders the template named by the command's first argument with its `--set`/`--id` values,
 * checks the result like `vigil automation apply` and hands it to `work`. Wrong values or names
 * are usage errors; a shipped template that does not render is Vigil's fault (exit code 1).
 */
export async function withTemplate(line: CommandLine, work: (rendered: RenderedTemplate & { definition: AutomationDefinition }, name: string) => Promise<number>): Promise<number> {
  const name = line.argument(0, z.string().min(1));
  const options = line.options(valuesOptions);
  const given: Record<string, string> = {};
  for (const entry of options.set) {
    const at = entry.indexOf('=');
    const key = entry.slice(0, at).trim();
    if (Object.hasOwn(given, key)) throw new UsageError(`--set ${key} is given twice`);
    given[key] = entry.slice(at + 1);
  }
  if (options.id !== undefined) {
    if (Object.hasOwn(given, 'id')) throw new UsageError('give the id once: --id or --set id=');
    given.id = options.id;
  }
  let rendered: RenderedTemplate;
  try {
    rendered = renderTemplate(loadTemplate(name), given);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    if (error.code === 'INVALID_TEMPLATE') return fail(error);
    throw new UsageError(error.message);
  }
  const checked = checkAutomation(rendered.automation);
  if (!checked.ok) throw new UsageError(`template ${name} with these values is not valid:\n${checked.errors.map((error) => `  - ${error.path}: ${error.message}`).join('\n')}`);
  return work({ ...rendered, definition: checked.definition }, name);
}
