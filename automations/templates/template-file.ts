import { parseDocument, type ScalarTag } from 'yaml';
import { z } from 'zod';
import { isPlainObject } from '../expressions/index.ts';
import { TemplateError } from './errors.ts';
import { isOptional, parameterDeclarationSchema, parameterNameSchema, parameterValue, type TemplateParameter } from './template-parameters.ts';

/**
 * A template file: YAML with a `template:` header (a one-line description and the parameters,
 * each with a type and a default, or optional) and the `automation:` it renders to, where
 * `!param <name>` stands for a whole value. A YAML tag cannot collide with the `{{ }}` run
 * templates or `${{ secrets.NAME }}` references in the automation, and it replaces structure, not
 * text, so a value cannot change what is around it. An item of a list (a step) marked
 * `if_given: <parameter>` is kept only when that optional parameter is given (the key itself is
 * removed); an optional parameter is used only inside items marked with it.
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

/** The key marking a list item that is kept only when the optional parameter it names is given. */
export const IF_GIVEN = 'if_given';

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
    if (isOptional(parameter)) continue;
    try {
      parameterValue(parameter, parameter.default);
    } catch (error) {
      throw invalid(`the default of ${(error as Error).message}`);
    }
  }
  const used = new Set<string>();
  const optional = new Set(parameters.filter(isOptional).map((parameter) => parameter.name));
  const misuse = collectRefs(automation, used, optional, new Set());
  if (misuse) throw invalid(misuse);
  const declared = new Set(parameters.map((parameter) => parameter.name));
  for (const reference of used) if (!declared.has(reference)) throw invalid(`!param ${reference || '(empty)'} is not a declared parameter`);
  for (const parameter of parameters) if (!used.has(parameter.name)) throw invalid(`parameter "${parameter.name}" is declared but never used`);
  return { name, description: template.description, parameters, body: automation };
}

/**
 * Adds every parameter `value` uses (`!param`, `if_given`) to `into`; returns what is wrong, if
 * anything: an `if_given` that is not on a list item or names no optional parameter, or an
 * optional parameter used outside the items marked with it (`given`: the marks around `value`).
 */
function collectRefs(value: unknown, into: Set<string>, optional: ReadonlySet<string>, given: ReadonlySet<string>, inList = false): string | undefined {
  if (value instanceof ParamRef) {
    into.add(value.name);
    if (optional.has(value.name) && !given.has(value.name)) return `!param ${value.name} is optional: use it only inside a list item marked "${IF_GIVEN}: ${value.name}"`;
    return undefined;
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = collectRefs(item, into, optional, given, true);
      if (problem) return problem;
    }
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  let inner = given;
  if (Object.hasOwn(value, IF_GIVEN)) {
    const mark = value[IF_GIVEN];
    if (!inList) return `"${IF_GIVEN}" marks an item of a list (a step), not a key of a mapping`;
    if (typeof mark !== 'string' || !optional.has(mark)) return `"${IF_GIVEN}: ${String(mark)}" must name an optional parameter`;
    into.add(mark);
    inner = new Set([...given, mark]);
  }
  for (const [key, item] of Object.entries(value)) {
    if (key === IF_GIVEN) continue;
    const problem = collectRefs(item, into, optional, inner);
    if (problem) return problem;
  }
  return undefined;
}
