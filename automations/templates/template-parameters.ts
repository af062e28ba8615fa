import { z } from 'zod';
import { automationIdSchema } from '../definition/index.ts';
import { DurationError, MAX_DURATION_MS, parseDuration } from '../expressions/index.ts';
import { entityIdSchema } from '../../machines/index.ts';
import { TemplateError } from './errors.ts';

/**
 * What a template declares about a parameter, and how a value given for it is checked. Values
 * replace whole YAML values only (`!param name`), so a value never becomes part of an expression
 * or a `{{ }}` template: each type admits exactly the values of one field (a duration, a count,
 * one of a list, an id), never text.
 */

const description = z.string().min(1).max(200);
const durationText = z.string().refine(isDuration, 'expected a duration like "90s", "5m" or "1h30m"');
/** An optional parameter has no default: not given, it has no value. */
const noDefault = z.never({ error: 'an optional parameter has no default' }).optional();

export const parameterDeclarationSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('duration'), default: durationText, min: durationText.optional(), max: durationText.optional(), description }),
  z.strictObject({ type: z.literal('integer'), default: z.number().int(), min: z.number().int().optional(), max: z.number().int().optional(), description }),
  z.strictObject({ type: z.literal('enum'), values: z.array(z.string().min(1)).min(1), default: z.string(), description }),
  /** An entity id (a system, a group, …): letters, digits, `_`, `-`, `:`, `@`. */
  z.strictObject({ type: z.literal('entity_id'), default: z.string(), description }),
  /** An automation id. Every template has the parameter `id` of this type (its default: the template's name). */
  z.strictObject({ type: z.literal('automation_id'), default: z.string(), description }),
  /**
   * The name of a node secret (`SLACK_WEBHOOK_URL`); its value is the reference
   * `${{ secrets.NAME }}`, never the secret. Optional, no default: a part of the automation that
   * needs it is marked `if_given: <parameter>` and left out when it is not given.
   */
  z.strictObject({ type: z.literal('secret_name'), optional: z.literal(true), default: noDefault, description }),
  /** E-mail addresses, comma-separated; its value is the list. Optional, no default (like `secret_name`). */
  z.strictObject({ type: z.literal('email_list'), optional: z.literal(true), default: noDefault, description }),
]);
export type ParameterDeclaration = z.infer<typeof parameterDeclarationSchema>;

/** Whether a parameter may be left without a value (then the parts marked `if_given` with it are left out). */
export function isOptional(parameter: ParameterDeclaration): parameter is Extract<ParameterDeclaration, { optional: true }> {
  return 'optional' in parameter && parameter.optional === true;
}

export const parameterNameSchema = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'parameter names are 1-32 characters of a-z, 0-9 and "_", starting with a letter');

/** A declared parameter with its name. `default` has passed `parameterValue`. */
export type TemplateParameter = ParameterDeclaration & { name: string };

export type ParameterValue = string | number | string[];

const SECRET_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;
const SECRET_REFERENCE = /^\$\{\{\s*secrets\.([A-Z][A-Z0-9_]{0,63})\s*\}\}$/;
const emailAddress = z.email();
const MAX_EMAIL_ADDRESSES = 50;

/**
 * The value `raw` (a `--set` string, or a default from the template) gives `parameter`: a
 * duration as written (trimmed, e.g. "5m"), an integer as a number, an enum value or an id as
 * is, a secret name as its reference `${{ secrets.NAME }}` (the reference itself is accepted too),
 * e-mail addresses as their list. Throws `TemplateError` (`INVALID_PARAMETER`) saying what is
 * expected.
 */
export function parameterValue(parameter: TemplateParameter, raw: string | number): ParameterValue {
  const text = String(raw).trim();
  const invalid = (reason: string) => TemplateError.invalidParameter(parameter.name, String(raw), reason);
  switch (parameter.type) {
    case 'duration': {
      let ms: number;
      try {
        ms = parseDuration(text);
      } catch (error) {
        if (error instanceof DurationError) throw invalid(error.message);
        throw error;
      }
      if (ms > MAX_DURATION_MS) throw invalid('longer than the 30 days allowed');
      if (parameter.min !== undefined && ms < parseDuration(parameter.min)) throw invalid(`at least ${parameter.min}`);
      if (parameter.max !== undefined && ms > parseDuration(parameter.max)) throw invalid(`at most ${parameter.max}`);
      return text;
    }
    case 'integer': {
      if (!/^-?\d{1,15}$/.test(text)) throw invalid('expected an integer');
      const value = Number(text);
      if (parameter.min !== undefined && value < parameter.min) throw invalid(`at least ${parameter.min}`);
      if (parameter.max !== undefined && value > parameter.max) throw invalid(`at most ${parameter.max}`);
      return value;
    }
    case 'enum':
      if (!parameter.values.includes(text)) throw invalid(`expected one of ${parameter.values.join(', ')}`);
      return text;
    case 'entity_id':
      return checked(entityIdSchema, text, invalid);
    case 'automation_id':
      return checked(automationIdSchema, text, invalid);
    case 'secret_name': {
      const name = SECRET_REFERENCE.exec(text)?.[1] ?? text;
      if (!SECRET_NAME.test(name)) throw invalid('expected the name of a secret: upper case letters, digits and "_", starting with a letter (the node has it as VIGIL_SECRET_<NAME>)');
      return `\${{ secrets.${name} }}`;
    }
    case 'email_list': {
      const addresses = text.split(',').map((address) => address.trim()).filter(Boolean);
      if (addresses.length === 0) throw invalid('expected one or more e-mail addresses, comma-separated');
      if (addresses.length > MAX_EMAIL_ADDRESSES) throw invalid(`at most ${MAX_EMAIL_ADDRESSES} addresses`);
      const bad = addresses.find((address) => !emailAddress.safeParse(address).success);
      if (bad !== undefined) throw invalid(`"${bad.slice(0, 80)}" is not an e-mail address`);
      return addresses;
    }
  }
}

function checked(schema: z.ZodType<string>, text: string, invalid: (reason: string) => TemplateError): string {
  const result = schema.safeParse(text);
  if (!result.success) throw invalid(result.error.issues[0]?.message ?? 'invalid');
  return result.data;
}

function isDuration(text: string): boolean {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}

/** "5m", "3", "major | minor": how a parameter is shown in listings. */
export function describeParameter(parameter: TemplateParameter): string {
  const kind = parameter.type === 'enum' ? parameter.values.join(' | ') : parameter.type.replace('_', ' ');
  return `${parameter.name} (${kind}, ${isOptional(parameter) ? 'optional' : `default ${String(parameter.default)}`}): ${parameter.description}`;
}
