import { parseDocument, type ScalarTag } from 'yaml';
import { z } from 'zod';
import { isPlainObject } from '../expressions/index.ts';
import { TemplateError } from './errors.ts';
import { parameterDeclarationSchema, parameterNameSchema, parameterValue, type TemplateParameter } from './template-parameters.ts';

/**
 * A template file: YAML with a `template:` header (a one-line description and the parameters,
 * each with a type and a default) and the `automation:` it renders to, where `!param <name>`
 * stands for a whole value. A YAML tag cannot collide with the `{{ }}` run templates or
 * `${{ secrets.NAME }}` references in the automation, and it replaces structure, not text, so
 * a value cannot change what is around it.
 */
export interface AutomationTemplate {
  /** The file's name without `.yaml`, e.g. `sustained-degradation`. */
  name: string;
  /** One line. */
  description: string;
  /** `id` first (every template has it), then as declared. Defaults are valid values. */
  parameters: TemplateParameter[];
  /** The automation with `ParamRef`s where values go; never mutated. */
  body: Record<string, unknown>;
}

/** A `!param name` in a template's automation. */
export class ParamRef {
  constructor(readonly name: string) {}
}

const paramTag: ScalarTag = {
  tag: '!param',
  identify: (value) => value instanceof ParamRef,
  resolve: (value) => new ParamRef(value.trim()),
};

const templateFileSchema = z.strictObject({
  template: z.strictObject({
    description: z.string().min(1).max(200).refine((text) => !text.includes('\n'), 'one line'),
    parameters: z.record(parameterNameSchema, parameterDeclarationSchema).default({}),
  }),
  automation: z.record(z.string(), z.unknown()),
});

/**
 * Reads the template `name` from its YAML `text`. Throws `TemplateError` (`INVALID_TEMPLATE`)
 * when the YAML is invalid, the header does not match its schema, a default is not a valid value,
 * a `!param` names no declared parameter, or a declared parameter is never used.
 */
export function parseTemplate(name: string, text: string): AutomationTemplate {
  const invalid = (reason: string) => TemplateError.invalidTemplate(name, reason);
  const document = parseDocument(text, { customTags: [paramTag], prettyErrors: true, uniqueKeys: true });
  // An unknown tag (`!parm`) is only a warning to the YAML parser; here it is a mistake.
  const [problem] = [...document.errors, ...document.warnings];
  if (problem) throw invalid(problem.message.split('\n')[0] ?? problem.message);
  const parsed = templateFileSchema.safeParse(document.toJS({ maxAliasCount: 100 }));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid(`${issue.path.join('.') || '(file)'}: ${issue.message}`);
  }
  const { template, automation } = parsed.data;
  if (Object.hasOwn(template.parameters, 'id')) throw invalid('"id" is every template\'s parameter (the automation id); do not declare it');
  const parameters: TemplateParameter[] = [
    { name: 'id', type: 'automation_id', default: name, description: "the automation's id" },
    ...Object.entries(template.parameters).map(([parameterName, declaration]) => ({ ...declaration, name: parameterName })),
  ];
  for (const parameter of parameters) {
    try {
      parameterValue(parameter, parameter.default);
    } catch (error) {
      throw invalid(`the default of ${(error as Error).message}`);
    }
  }
  const used = new Set<string>();
  collectRefs(automation, used);
  const declared = new Set(parameters.map((parameter) => parameter.name));
  for (const reference of used) if (!declared.has(reference)) throw invalid(`!param ${reference || '(empty)'} is not a declared parameter`);
  for (const parameter of parameters) if (!used.has(parameter.name)) throw invalid(`parameter "${parameter.name}" is declared but never used`);
  return { name, description: template.description, parameters, body: automation };
}

function collectRefs(value: unknown, into: Set<string>): void {
  if (value instanceof ParamRef) into.add(value.name);
  else if (Array.isArray(value)) for (const item of value) collectRefs(item, into);
  else if (isPlainObject(value)) for (const item of Object.values(value)) collectRefs(item, into);
}
