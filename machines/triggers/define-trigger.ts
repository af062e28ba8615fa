import type { z } from 'zod';
import type { LastingState, TriggerDefinition, TriggerEvent } from './trigger-definition.ts';

/** What a domain file declares; `category` defaults to "Uncategorized", `description` to ''. */
export interface TriggerSpec<TPayload extends Record<string, unknown>> {
  id: string;
  displayName: string;
  category?: string;
  description?: string;
  contextKey: keyof TPayload & string;
  payloadSchema: z.ZodType<TPayload>;
  lasting?: LastingState<TPayload>;
}

const triggerIdPattern = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/**
 * Builds a trigger definition with defaults filled in. Throws when the id is not a qualified
 * `<domain>.<event>` of lowercase subject-safe tokens (it becomes `vigil.trigger.<id>`).
 */
export function defineTrigger<TPayload extends Record<string, unknown>>(
  spec: TriggerSpec<TPayload>,
): TriggerDefinition<TPayload> {
  if (!triggerIdPattern.test(spec.id)) throw new Error(`invalid trigger id "${spec.id}": expected <domain>.<event>`);
  return {
    id: spec.id,
    displayName: spec.displayName,
    category: spec.category ?? 'Uncategorized',
    description: spec.description ?? '',
    contextKey: spec.contextKey,
    payloadSchema: spec.payloadSchema,
    ...(spec.lasting ? { lasting: spec.lasting } : {}),
  };
}

/**
 * One trigger event for `definition`. The payload goes through the trigger's schema, so a
 * deriver bug surfaces as a ZodError here instead of a malformed message on the wire.
 */
export function fire<TPayload extends Record<string, unknown>>(
  definition: TriggerDefinition<TPayload>,
  payload: TPayload,
): TriggerEvent {
  const parsed = definition.payloadSchema.parse(payload);
  return {
    trigger: definition.id,
    contextKey: definition.contextKey,
    contextValue: String(parsed[definition.contextKey]),
    payload: parsed,
  };
}
