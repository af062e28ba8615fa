import { z } from 'zod';
import { DURATION_HINT, DURATION_PATTERN, durationSchema, MAX_DURATION_MS, MAX_EXPRESSION_LENGTH, parseDuration } from '../expressions/index.ts';
import { described, named } from './schema-registry.ts';

/** Field schemas shared by triggers, conditions and steps. */

// Used in many places; one named definition in the published JSON Schema.
named(durationSchema, 'Duration', 'A duration: "90s", "5m", "1h30m", "2d", "500ms", or a number of milliseconds (at most 30 days)');

export const automationIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'ids are 1-64 characters of a-z, 0-9, "_" or "-", starting with a letter or digit');

/** Ids of triggers and steps, unique within an automation. */
export const localIdSchema = z.string().regex(/^[a-z0-9_-]{1,64}$/, 'ids are 1-64 characters of a-z, 0-9, "_" or "-"');

/** A qualified trigger or action id: `<domain>.<name>`, e.g. `healthcheck.system.degraded`. */
export const qualifiedIdSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, 'expected a qualified id like "healthcheck.system.degraded"');

/** A CEL expression; compiled at save time by `validateAutomation`, not here. */
export const expressionSchema = described(
  z.string().max(MAX_EXPRESSION_LENGTH).refine((source) => source.trim() !== '', 'the expression is empty'),
  'A CEL expression over the run scope, e.g. trigger.payload.status == "degraded"',
);

/** A string holding at least one `{{ expr }}`. */
export const templateStringSchema = z.string().regex(/\{\{/, 'expected a template like "{{ vars.count }}"');

const durationOrTemplatePattern = new RegExp(`\\{\\{|${DURATION_PATTERN.source}`);

/** A duration (ms out, like `durationSchema`) or a template rendered at run time (kept as the string). */
export const durationOrTemplateSchema = described(
  z
    .union([
      z.string().regex(durationOrTemplatePattern, `expected ${DURATION_HINT}, or a template like "{{ vars.wait }}"`),
      z.number().int('a number of milliseconds must be an integer').min(0).max(MAX_DURATION_MS),
    ])
    .transform((input, context) => {
      if (typeof input === 'string' && input.includes('{{')) return input;
      const ms = parseDuration(input);
      if (ms > MAX_DURATION_MS) {
        context.addIssue({ code: 'custom', message: `${JSON.stringify(input)} is longer than the 30 days allowed`, input });
        return z.NEVER;
      }
      return ms;
    }),
  'A duration ("90s", "5m", "1h30m", "2d", "500ms" or milliseconds) or a template',
);

/** Keys every step may have. */
export const stepCommonShape = {
  id: localIdSchema.optional(),
  alias: z.string().min(1).max(200).optional(),
  enabled: z.boolean().default(true),
};

export interface StepCommon {
  /** Unique within the automation; names the step in traces. */
  id?: string;
  /** Display name. */
  alias?: string;
  /** A disabled step is skipped. */
  enabled: boolean;
}
