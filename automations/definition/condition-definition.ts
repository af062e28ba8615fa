import { z } from 'zod';
import { durationSchema, stateEntityKinds, type StateEntityKind } from '../expressions/index.ts';
import { expressionSchema, stepCommonShape, type StepCommon } from './definition-fields.ts';
import { described, named } from './schema-registry.ts';

/**
 * Conditions, discriminated by `condition` (as in Home Assistant). A plain string is shorthand
 * for `{ condition: expression, expression: <string> }`; parsing normalises it to that object, so
 * code reading a parsed definition never sees the shorthand.
 */

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof weekdays)[number];

export interface ExpressionCondition {
  condition: 'expression';
  /** CEL; must yield a boolean. */
  expression: string;
}

export interface LogicalCondition {
  /** and: all hold; or: at least one holds; not: none holds. */
  condition: 'and' | 'or' | 'not';
  conditions: Condition[];
}

export interface NumericStateCondition {
  condition: 'numeric_state';
  /** CEL yielding a number (or a numeric string). */
  value: string;
  /** Holds when value > above (exclusive). */
  above?: number;
  /** Holds when value < below (exclusive). */
  below?: number;
}

export interface TimeCondition {
  condition: 'time';
  /** Local "HH:MM" or "HH:MM:SS", inclusive. */
  after?: string;
  /** Local "HH:MM" or "HH:MM:SS", exclusive. `after` > `before` means a window across midnight. */
  before?: string;
  /** Local weekday of the moment evaluated. */
  weekdays?: Weekday[];
  /** IANA time zone name. */
  timezone: string;
}

export interface StateCondition {
  condition: 'state';
  kind: StateEntityKind;
  /**
   * The entity's id; may be a template. Named `entity_id`, not `id`: a condition used as a step
   * has a step `id` too (compare `system_id` of the maintenance condition).
   */
  entity_id: string;
  /** Dot path into the entity's reactive state; absent: the state machine value is compared. */
  path?: string;
  equals?: unknown;
  in?: unknown[];
  /** Milliseconds the value must have held. */
  for?: number;
}

export interface MaintenanceCondition {
  condition: 'maintenance';
  /** May be a template. */
  system_id: string;
  /** true: holds while the system is in a maintenance window; false: while it is not. */
  active: boolean;
}

export type Condition = ExpressionCondition | LogicalCondition | NumericStateCondition | TimeCondition | StateCondition | MaintenanceCondition;
export type ConditionType = Condition['condition'];
export const conditionTypes = ['expression', 'and', 'or', 'not', 'numeric_state', 'time', 'state', 'maintenance'] as const satisfies readonly ConditionType[];

const timeOfDaySchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/, 'expected a local time "HH:MM" or "HH:MM:SS" (00:00 to 23:59:59)');

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const timeZoneSchema = z.string().refine(isValidTimeZone, 'unknown time zone; use an IANA name such as "Europe/Berlin" or "UTC"');
const statePathSchema = z.string().regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/, 'expected a dot path like "status" or "checks.http.status"');

// The variants, built for a shape of extra keys: none in a condition list, the step keys when a
// condition is used as a step. Nested conditions (`and`, …) are always plain conditions.
function conditionVariants<Extra extends z.ZodRawShape>(extra: Extra) {
  return [
    z.strictObject({ condition: z.literal('expression'), expression: expressionSchema, ...extra }),
    z.strictObject({ condition: z.literal('and'), conditions: nestedConditions(), ...extra }),
    z.strictObject({ condition: z.literal('or'), conditions: nestedConditions(), ...extra }),
    z.strictObject({ condition: z.literal('not'), conditions: nestedConditions(), ...extra }),
    z
      .strictObject({ condition: z.literal('numeric_state'), value: expressionSchema, above: z.number().optional(), below: z.number().optional(), ...extra })
      .superRefine(refineNumericState),
    z
      .strictObject({
        condition: z.literal('time'),
        after: timeOfDaySchema.optional(),
        before: timeOfDaySchema.optional(),
        weekdays: z
          .array(z.enum(weekdays))
          .min(1)
          .max(7)
          .refine((days) => new Set(days).size === days.length, 'weekdays must not repeat')
          .optional(),
        timezone: timeZoneSchema.default('UTC'),
        ...extra,
      })
      .superRefine(refineTime),
    z
      .strictObject({
        condition: z.literal('state'),
        kind: z.enum(stateEntityKinds),
        entity_id: z.string().min(1).max(512),
        path: statePathSchema.optional(),
        equals: z.unknown().optional(),
        in: z.array(z.unknown()).min(1).max(100).optional(),
        for: durationSchema.optional(),
        ...extra,
      })
      .superRefine(refineState),
    z.strictObject({ condition: z.literal('maintenance'), system_id: z.string().min(1).max(512), active: z.boolean().default(true), ...extra }),
  ] as const;
}

// Refinements take `unknown`: the variants are generic over their extra keys, which hides the
// field types from TypeScript; the schema has already checked them when a refinement runs.
function refineNumericState(value: unknown, context: z.RefinementCtx): void {
  const condition = value as NumericStateCondition;
  if (condition.above === undefined && condition.below === undefined) {
    context.addIssue({ code: 'custom', message: 'numeric_state needs "above", "below" or both', path: [] });
  } else if (condition.above !== undefined && condition.below !== undefined && condition.above >= condition.below) {
    context.addIssue({ code: 'custom', message: '"above" must be less than "below", or no value can match', path: ['above'] });
  }
}

function refineTime(value: unknown, context: z.RefinementCtx): void {
  const condition = value as TimeCondition;
  if (condition.after === undefined && condition.before === undefined && condition.weekdays === undefined) {
    context.addIssue({ code: 'custom', message: 'a time condition needs "after", "before" or "weekdays"', path: [] });
  } else if (condition.after !== undefined && condition.before !== undefined && secondsOfDay(condition.after) === secondsOfDay(condition.before)) {
    context.addIssue({ code: 'custom', message: '"after" and "before" are equal: the window would be empty', path: ['before'] });
  }
}

function refineState(value: unknown, context: z.RefinementCtx): void {
  const condition = value as StateCondition;
  if ((condition.equals === undefined) === (condition.in === undefined)) {
    context.addIssue({ code: 'custom', message: 'a state condition needs exactly one of "equals" and "in"', path: [] });
  }
}

/** Seconds since local midnight of a validated "HH:MM" or "HH:MM:SS". */
export function secondsOfDay(timeOfDay: string): number {
  const [hours = 0, minutes = 0, seconds = 0] = timeOfDay.split(':').map(Number);
  return hours * 3600 + minutes * 60 + seconds;
}

function nestedConditions() {
  return z.array(z.lazy(() => conditionSchema)).min(1).max(100);
}

const unknownConditionMessage = `"condition" must be one of ${conditionTypes.join(', ')}`;

/** A condition given as an object, `condition` naming its type. */
export const conditionObjectSchema: z.ZodType<Condition, unknown> = named(
  z.discriminatedUnion('condition', conditionVariants({}), { error: unknownConditionMessage }),
  'ConditionObject',
  'A condition; "condition" names its type',
);

const expressionShorthandSchema = described(
  z
    .string()
    .min(1)
    .transform((expression): ExpressionCondition => ({ condition: 'expression', expression })),
  'Shorthand for { condition: expression, expression: <this string> }',
);

/** A condition: an object, or a string as shorthand for an expression condition. */
export const conditionSchema: z.ZodType<Condition, unknown> = named(
  z.union([expressionShorthandSchema, conditionObjectSchema]),
  'Condition',
  'A condition: a CEL expression string, or an object whose "condition" names its type',
);

/** A list of conditions; all must hold. */
export const conditionListSchema = z.array(conditionSchema).max(100);

/** A condition used as a step: when it does not hold, the run stops quietly. */
export type ConditionStep = Condition & StepCommon;

export const conditionStepSchema: z.ZodType<ConditionStep, unknown> = z.discriminatedUnion('condition', conditionVariants(stepCommonShape), {
  error: unknownConditionMessage,
});
