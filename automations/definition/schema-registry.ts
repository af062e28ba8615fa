import { z } from 'zod';

/**
 * Metadata for the published JSON Schema (names of recursive definitions, descriptions). A
 * private registry rather than zod's global one: ids such as "Step" cannot collide with other
 * schemas of the process, and only `automationJsonSchema()` reads it.
 */
export const automationSchemaRegistry = z.registry<{ id?: string; description?: string; title?: string }>();

/** A copy of `schema` carrying `description` in the published JSON Schema. */
export function described<T extends z.ZodType>(schema: T, description: string): T {
  const copy = schema.clone() as T;
  automationSchemaRegistry.add(copy, { description });
  return copy;
}

/** Registers `schema` as a named definition (`$defs/<id>`) of the published JSON Schema. */
export function named<T extends z.ZodType>(schema: T, id: string, description: string): T {
  automationSchemaRegistry.add(schema, { id, description });
  return schema;
}
