import { z } from 'zod';
import { durationSchema } from '../expressions/index.ts';
import { conditionListSchema, conditionSchema, conditionStepSchema, type Condition, type ConditionStep } from './condition-definition.ts';
import { durationOrTemplateSchema, expressionSchema, qualifiedIdSchema, stepCommonShape, templateStringSchema, type StepCommon } from './definition-fields.ts';
import { described, named } from './schema-registry.ts';

/**
 * Steps: a union recognised by the one key that names each kind (`action`, `choose`, `parallel`,
 * `sequence`, `variables`, `delay`, `repeat`, `condition`, `stop`, `wait_for_trigger`,
 * `wait_until`). Keys stay as users write them (snake_case): the parsed form is the stored form.
 */

export interface ActionStep extends StepCommon {
  /** Provider action id, e.g. `incident.create`. */
  action: string;
  /** Config schema version; absent: the latest. */
  version?: number;
  /** Validated against the action's config schema at save time; strings may be templates. */
  config: Record<string, unknown>;
  continue_on_error: boolean;
}

export interface ChooseOption {
  when: Condition[];
  sequence: Step[];
}

export interface ChooseStep extends StepCommon {
  /** The first option whose conditions all hold runs; otherwise `else`, if given. */
  choose: ChooseOption[];
  else?: Step[];
}

export interface ParallelStep extends StepCommon {
  /** Each element is one branch. */
  parallel: Step[];
}

export interface SequenceStep extends StepCommon {
  sequence: Step[];
}

export interface VariablesStep extends StepCommon {
  /** Values may be templates. */
  variables: Record<string, unknown>;
}

export interface DelayStep extends StepCommon {
  /** Milliseconds, or a template rendering to a duration. */
  delay: number | string;
}

export interface RepeatOptions {
  count?: number | string;
  for_each?: unknown[] | string;
  while?: Condition[];
  until?: Condition[];
  max_iterations: number;
  sequence: Step[];
}

export interface RepeatStep extends StepCommon {
  /** Exactly one of count, for_each, while, until. */
  repeat: RepeatOptions;
}

export interface StopStep extends StepCommon {
  /** Why the run stops. */
  stop: string;
  /** true: the run ends as failed. */
  error: boolean;
}

export interface WaitForTriggerStep extends StepCommon {
  wait_for_trigger: { event: string; filter?: string; timeout?: number; continue_on_timeout: boolean };
}

export interface WaitUntilStep extends StepCommon {
  wait_until: { conditions: Condition[]; timeout?: number; continue_on_timeout: boolean };
}

export type { ConditionStep };

export type Step =
  | ActionStep
  | ChooseStep
  | ParallelStep
  | SequenceStep
  | VariablesStep
  | DelayStep
  | RepeatStep
  | ConditionStep
  | StopStep
  | WaitForTriggerStep
  | WaitUntilStep;

/** The key naming each kind of step, in the order the union tries them. */
export const stepKinds = ['action', 'choose', 'parallel', 'sequence', 'variables', 'delay', 'repeat', 'condition', 'stop', 'wait_for_trigger', 'wait_until'] as const;
export type StepKind = (typeof stepKinds)[number];

/** The kind of a parsed step. */
export function stepKind(step: Step): StepKind {
  const kind = detectStepKind(step);
  if (!kind) throw new Error(`not a step: none or several of the keys ${stepKinds.join(', ')}`);
  return kind;
}

/** The kind of any value that has exactly one of the step keys; undefined otherwise. */
export function detectStepKind(value: unknown): StepKind | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const present = stepKinds.filter((kind) => Object.hasOwn(value, kind));
  return present.length === 1 ? present[0] : undefined;
}

const MAX_STEPS = 200;
const MAX_ITERATIONS = 1000;

function steps() {
  return z.array(z.lazy(() => stepSchema)).min(1).max(MAX_STEPS);
}

const variableNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'variable names are identifiers: letters, digits and "_", not starting with a digit');

const actionStepSchema = z.strictObject({
  action: described(qualifiedIdSchema, 'Provider action id, e.g. incident.create'),
  version: z.number().int().positive().optional(),
  config: z.record(z.string(), z.unknown()).default({}),
  continue_on_error: z.boolean().default(false),
  ...stepCommonShape,
});

const chooseStepSchema = z.strictObject({
  choose: z.array(z.strictObject({ when: z.array(conditionSchema).min(1).max(100), sequence: steps() })).min(1).max(100),
  else: steps().optional(),
  ...stepCommonShape,
});

const parallelStepSchema = z.strictObject({ parallel: steps(), ...stepCommonShape });
const sequenceStepSchema = z.strictObject({ sequence: steps(), ...stepCommonShape });
const variablesStepSchema = z.strictObject({ variables: z.record(variableNameSchema, z.unknown()), ...stepCommonShape });
const delayStepSchema = z.strictObject({ delay: durationOrTemplateSchema, ...stepCommonShape });

const repeatModes = ['count', 'for_each', 'while', 'until'] as const;

const repeatStepSchema = z.strictObject({
  repeat: z
    .strictObject({
      count: z.union([templateStringSchema, z.number().int().min(0).max(MAX_ITERATIONS)]).optional(),
      for_each: z.union([templateStringSchema, z.array(z.unknown()).max(MAX_ITERATIONS)]).optional(),
      while: z.array(conditionSchema).min(1).max(100).optional(),
      until: z.array(conditionSchema).min(1).max(100).optional(),
      max_iterations: z.number().int().min(1).max(MAX_ITERATIONS).default(100),
      sequence: steps(),
    })
    .superRefine((repeat, context) => {
      const modes = repeatModes.filter((mode) => repeat[mode] !== undefined);
      if (modes.length !== 1) {
        context.addIssue({ code: 'custom', message: `repeat needs exactly one of ${repeatModes.join(', ')}${modes.length > 1 ? ` (found ${modes.join(' and ')})` : ''}`, path: [] });
      }
      if (typeof repeat.count === 'number' && repeat.count > repeat.max_iterations) {
        context.addIssue({ code: 'custom', message: `count ${repeat.count} is above max_iterations ${repeat.max_iterations}`, path: ['count'] });
      }
    }),
  ...stepCommonShape,
});

const stopStepSchema = z.strictObject({ stop: z.string().min(1).max(1000), error: z.boolean().default(false), ...stepCommonShape });

const waitForTriggerStepSchema = z.strictObject({
  wait_for_trigger: z.strictObject({
    event: qualifiedIdSchema,
    filter: expressionSchema.optional(),
    timeout: durationSchema.optional(),
    continue_on_timeout: z.boolean().default(true),
  }),
  ...stepCommonShape,
});

const waitUntilStepSchema = z.strictObject({
  wait_until: z.strictObject({
    conditions: z.array(conditionSchema).min(1).max(100),
    timeout: durationSchema.optional(),
    continue_on_timeout: z.boolean().default(true),
  }),
  ...stepCommonShape,
});

/** One step. Order matches `stepKinds` (validation errors rely on it to pick the intended kind). */
export const stepSchema: z.ZodType<Step, unknown> = named(
  z.union(
    [
      actionStepSchema,
      chooseStepSchema,
      parallelStepSchema,
      sequenceStepSchema,
      variablesStepSchema,
      delayStepSchema,
      repeatStepSchema,
      conditionStepSchema,
      stopStepSchema,
      waitForTriggerStepSchema,
      waitUntilStepSchema,
    ],
    { error: `a step needs exactly one of the keys ${stepKinds.join(', ')}` },
  ),
  'Step',
  `A step; its kind is named by one of the keys ${stepKinds.join(', ')}`,
);

/** A non-empty list of steps (at most 200). */
export const stepListSchema = steps();

export { conditionListSchema };
