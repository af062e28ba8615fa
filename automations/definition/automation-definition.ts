import { z } from 'zod';
import { refuseUnstorable } from '../../protocol/storable-text.ts';
import { durationSchema, formatPath, type PathSegment } from '../expressions/index.ts';
import { conditionListSchema, type Condition } from './condition-definition.ts';
import { automationIdSchema, expressionSchema, localIdSchema, qualifiedIdSchema } from './definition-fields.ts';
import { walkSteps } from './definition-walk.ts';
import { checkScheduleFields, scheduleFieldsShape, type ScheduleFields } from './schedule-fields.ts';
import { described, named } from './schema-registry.ts';
import { stepListSchema, type Step } from './step-definition.ts';

export * from './condition-definition.ts';
export * from './step-definition.ts';

/**
 * An automation definition, as users write it in YAML or JSON and as it is stored: keys in
 * snake_case, defaults filled in, durations in milliseconds, condition shorthands expanded.
 * Parsing the parsed form again yields the same value. This schema checks structure only;
 * `validateAutomation` adds the checks that need the catalogs and compiles expressions.
 */

export interface TriggerWindow {
  /** Events needed within `within`. */
  count: number;
  /** Milliseconds. */
  within: number;
  /** once: fire when the count is first reached, then not again until the window empties; every: on each event past the count. */
  refire: 'once' | 'every';
  /** CEL; events are counted per distinct value. */
  partition_by?: string;
}

export interface Trigger extends ScheduleFields {
  /** Unique within the automation. */
  id: string;
  /** Qualified trigger id, e.g. `healthcheck.system.degraded`. */
  event: string;
  /** CEL over the event; false drops it. */
  filter?: string;
  /** Milliseconds the triggering situation must last. */
  for?: number;
  window?: TriggerWindow;
}

export type AutomationMode = 'single' | 'restart' | 'queued' | 'parallel';

export interface AutomationDefinition {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  mode: AutomationMode;
  /** Most runs queued or running at once (modes queued and parallel). */
  max: number;
  scope: 'automation' | 'context';
  triggers: Trigger[];
  conditions: Condition[];
  actions: Step[];
  /**
   * The account the automation's effects act as: `automations` (built in, operator role; the
   * default) or the name of an API token, whose role then bounds what the actions may do.
   */
  run_as?: string;
}

export const triggerSchema: z.ZodType<Trigger, unknown> = named(
  z.strictObject({
    id: localIdSchema,
    event: described(qualifiedIdSchema, 'Qualified trigger id, e.g. healthcheck.system.degraded'),
    filter: expressionSchema.optional(),
    for: durationSchema.optional(),
    window: z
      .strictObject({
        count: z.number().int().min(2).max(10_000),
        within: durationSchema,
        refire: z.enum(['once', 'every']).default('once'),
        partition_by: expressionSchema.optional(),
      })
      .optional(),
    ...scheduleFieldsShape,
  }).superRefine(checkScheduleFields),
  'Trigger',
  'What starts a run: a trigger event, optionally filtered, sustained or counted in a window',
);

export const automationDefinitionSchema: z.ZodType<AutomationDefinition, unknown> = named(
  z
    .strictObject({
      id: automationIdSchema,
      name: z.string().min(1).max(200),
      description: z.string().max(10_000).default(''),
      enabled: z.boolean().default(true),
      mode: described(z.enum(['single', 'restart', 'queued', 'parallel']).default('single'), 'What a trigger does while a run is active'),
      max: z.number().int().min(1).max(1000).default(10),
      scope: described(z.enum(['automation', 'context']).default('automation'), 'automation: one set of runs; context: one per trigger context (e.g. per system)'),
      triggers: z.array(triggerSchema).min(1).max(20),
      conditions: conditionListSchema.default([]),
      actions: stepListSchema,
      run_as: described(
        z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'run_as names an API token (1-64 lowercase letters, digits, "_", "." or "-") or "automations"').optional(),
        'The account its effects act as: "automations" (built in, operator role; the default) or an API token name',
      ),
    })
    .superRefine((definition, context) => {
      // Saved into the automation entity (PostgreSQL): no NUL, no unpaired surrogate, bounded depth.
      refuseUnstorable()(definition, context);
      reportDuplicates(
        definition.triggers.map((trigger, index) => ({ id: trigger.id, path: ['triggers', index, 'id'] })),
        'trigger',
        context,
      );
      const stepIds: Array<{ id: string | undefined; path: PathSegment[] }> = [];
      walkSteps(definition.actions, ['actions'], (step, path) => stepIds.push({ id: step.id, path: [...path, 'id'] }));
      reportDuplicates(stepIds, 'step', context);
    }),
  'Automation',
  'A Vigil automation: triggers start a run; if the conditions hold, the actions run',
);

function reportDuplicates(entries: Array<{ id: string | undefined; path: PathSegment[] }>, what: string, context: z.RefinementCtx): void {
  const firstSeen = new Map<string, PathSegment[]>();
  for (const { id, path } of entries) {
    if (id === undefined) continue;
    const first = firstSeen.get(id);
    if (first) context.addIssue({ code: 'custom', message: `${what} id "${id}" is already used at ${formatPath(first)}`, path });
    else firstSeen.set(id, path);
  }
}
