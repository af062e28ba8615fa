import { stringify } from 'yaml';
import type { AutomationDefinition } from '../automations/definition/index.ts';
import { checkAutomation } from '../automations/save-check.ts';
import { describeParameter, listTemplates, loadTemplate, renderTemplate, TemplateError, type RenderedTemplate } from '../automations/templates/index.ts';
import { fail, usage } from './exit.ts';

export const templateUsage = 'vigil automation template list [--json] | show <name> [--set name=value ...] [--id <id>] [--json] | apply <name> [--set name=value ...] [--id <id>]';

export interface TemplateFlags {
  set?: string[] | undefined;
  id?: string | undefined;
  json?: boolean | undefined;
}

/**
 * `vigil automation template list | show NAME | apply NAME`: the templates shipped in
 * `automations/templates/`. `show` and `apply` render the template with `--set name=value`
 * (and `--id`) over its defaults, then run the checks of `vigil automation apply`; `apply` hands
 * the checked definition to `save` (the save path of `vigil automation apply`). A bad value
 * (exit code 2) sends nothing.
 */
export async function templateCommand(args: string[], flags: TemplateFlags, save: (definitions: AutomationDefinition[]) => Promise<number>): Promise<number> {
  const [action, name] = args;
  try {
    switch (action) {
      case 'list':
        return list(flags.json === true);
      case 'show': {
        if (!name) return usage(templateUsage);
        const rendered = renderChecked(name, flags);
        if (typeof rendered === 'number') return rendered;
        if (flags.json) console.log(JSON.stringify(rendered.automation, null, 2));
        else console.log(`# from template ${name}: ${Object.entries(rendered.values).map(([key, value]) => `${key}=${String(value)}`).join(', ')}\n${stringify(rendered.automation, { lineWidth: 0 }).trimEnd()}`);
        return 0;
      }
      case 'apply': {
        if (!name) return usage(templateUsage);
        const rendered = renderChecked(name, flags);
        if (typeof rendered === 'number') return rendered;
        return save([rendered.definition]);
      }
      default:
        return usage(templateUsage);
    }
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    // A malformed shipped template is Vigil's fault, not the caller's.
    return error.code === 'INVALID_TEMPLATE' ? fail(error.message) : usage(error.message);
  }
}

function list(json: boolean): number {
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

/** The template rendered and checked, or the exit code of the usage error already printed. */
function renderChecked(name: string, flags: TemplateFlags): (RenderedTemplate & { definition: AutomationDefinition }) | number {
  const given = parseSets(flags);
  if (typeof given === 'number') return given;
  const rendered = renderTemplate(loadTemplate(name), given);
  const checked = checkAutomation(rendered.automation);
  if (!checked.ok) return usage(`template ${name} with these values is not valid:\n${checked.errors.map((error) => `  - ${error.path}: ${error.message}`).join('\n')}`);
  return { ...rendered, definition: checked.definition };
}

function parseSets(flags: TemplateFlags): Record<string, string> | number {
  const given: Record<string, string> = {};
  for (const entry of flags.set ?? []) {
    const at = entry.indexOf('=');
    if (at <= 0) return usage(`--set takes name=value, not ${JSON.stringify(entry)}`);
    const key = entry.slice(0, at).trim();
    if (Object.hasOwn(given, key)) return usage(`--set ${key} is given twice`);
    given[key] = entry.slice(at + 1);
  }
  if (flags.id !== undefined) {
    if (Object.hasOwn(given, 'id')) return usage('give the id once: --id or --set id=');
    given.id = flags.id;
  }
  return given;
}
