import { z } from 'zod';

/**
 * The kinds of entity Vigil hosts. Each has one machine in this folder.
 * The kind is the second token of its NATS subject (`vigil.entity.<kind>.<id>`).
 */
export const entityKinds = ['system', 'group', 'incident', 'health', 'satellite', 'check', 'maintenance', 'automation', 'automation_scope', 'automation_run', 'automation_dwell', 'automation_window', 'automation_schedule'] as const;
export const entityKindSchema = z.enum(entityKinds);
export type EntityKind = z.infer<typeof entityKindSchema>;

/**
 * Entity ids travel as NATS subject tokens, so they may not hold `.`, `*`, `>` or whitespace.
 * 1..128 characters of letters, digits, `_`, `-`, `:`, `@`.
 */
export const entityIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_\-:@]+$/, 'ids are 1-128 characters of letters, digits, "_", "-", ":" or "@"');

/** Why a transition happened: the event type, and who asked (an API user, an automation run). */
export const changeCauseSchema = z.object({
  event: z.string(),
  actor: z.string().optional(),
  runId: z.string().optional(),
  /** The sender's idempotency key: a command with a key already committed for this entity is not applied again. */
  commandId: z.string().optional(),
});

/** What a command id may look like (it travels as a NATS header and is stored with the transition). */
export const commandIdSchema = z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');
export type ChangeCause = z.infer<typeof changeCauseSchema>;

/** The reactive state of an entity: a JSON object, or null when the entity does not exist. */
export const reactiveStateSchema = z.record(z.string(), z.unknown()).nullable();
export type ReactiveState = Record<string, unknown> | null;

/**
 * One committed transition of one entity, as stored in `entity_transitions` and published on
 * `vigil.entity.<kind>.<id>`. `prev === null` on create, `next === null` on delete (tombstone).
 * `version` counts the entity's transitions from 1 with no gap. `at` is epoch milliseconds.
 */
export const entityChangeSchema = z.object({
  kind: entityKindSchema,
  id: entityIdSchema,
  version: z.number().int().positive(),
  prev: reactiveStateSchema,
  next: reactiveStateSchema,
  changedFields: z.array(z.string()),
  stateValue: z.unknown(),
  at: z.number().int().nonnegative(),
  cause: changeCauseSchema,
});
export type EntityChange = z.infer<typeof entityChangeSchema>;

/** Top-level fields whose JSON differs between two reactive states (all fields of the side that exists on create/delete). */
export function changedFieldsOf(prev: ReactiveState, next: ReactiveState): string[] {
  if (prev === null && next === null) return [];
  if (prev === null) return Object.keys(next!).sort();
  if (next === null) return Object.keys(prev).sort();
  const keys = new Set([...Object.keys(prev), ...Object.keys(next)]);
  return [...keys].filter((key) => !jsonEqual(prev[key], next[key])).sort();
}

/** Structural equality of JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bArray = b as unknown[];
    return a.length === bArray.length && a.every((item, index) => jsonEqual(item, bArray[index]));
  }
  const aRecord = a as Record<string, unknown>;
  const bRecord = b as Record<string, unknown>;
  const aKeys = Object.keys(aRecord).filter((key) => aRecord[key] !== undefined);
  const bKeys = Object.keys(bRecord).filter((key) => bRecord[key] !== undefined);
  return aKeys.length === bKeys.length && aKeys.every((key) => jsonEqual(aRecord[key], bRecord[key]));
}
