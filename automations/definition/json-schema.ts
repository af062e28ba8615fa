import { z } from 'zod';
import { automationDefinitionSchema } from './automation-definition.ts';
import { automationSchemaRegistry } from './schema-registry.ts';

/**
 * The JSON Schema (draft 2020-12) of an automation definition as users write it (the input
 * side: durations as strings or numbers, defaults optional, condition shorthands allowed), for
 * editors and the API docs. Recursive parts (Step, Condition, …) are named entries of `$defs`.
 * It describes structure only: the checks of `validateAutomation` that need the catalogs or the
 * expression compiler are not expressible in it.
 */
export function automationJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(automationDefinitionSchema, {
    io: 'input',
    target: 'draft-2020-12',
    metadata: automationSchemaRegistry,
    // Refinements and transforms (durations, shorthands) have no JSON Schema form; their input side is published.
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return { ...schema, title: 'Vigil automation' };
}
