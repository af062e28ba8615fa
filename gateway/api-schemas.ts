import * as z from 'zod';
import { memberValueSchema } from '../bus/index.ts';
import { changeCauseSchema, entityIdSchema, entityKindSchema } from '../machines/index.ts';

/**
 * Schemas shared by several routes: errors, pages, entity views and transitions. Each carries an
 * OpenAPI component id (`.meta({ id })`), so the document names it once and refers to it.
 */

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'Stable code (docs/PROTOCOL.md, "Error codes")' }),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'Error' });

/** `limit` and `cursor` of every keyset-paged list. */
export const pageQueryShape = {
  limit: z
    .string()
    .regex(/^\d{1,3}$/, 'a whole number from 1 to 500')
    .transform(Number)
    .pipe(z.number().int().min(1, 'a whole number from 1 to 500').max(500, 'a whole number from 1 to 500'))
    .optional()
    .meta({ description: 'Items per page, 1-500 (default 50)' }),
  cursor: z.string().max(1_000).optional().meta({ description: "The previous page's `next`" }),
};

/** A page of a list: `next` is the cursor of the following page, null on the last one. */
export function pageSchema<T extends z.ZodType>(item: T, id: string) {
  return z.object({ items: z.array(item), next: z.string().nullable().meta({ description: 'Cursor of the next page; null: this is the last' }) }).meta({ id });
}

/** A comma-separated list of one of `values` in a query parameter (`status=running,waiting`). */
export function commaList<const T extends string>(values: readonly T[], description: string) {
  return z
    .string()
    .max(500)
    .transform((text) => text.split(','))
    .pipe(z.array(z.enum(values as [T, ...T[]], { error: `each must be one of ${values.join(', ')}` })).min(1))
    .optional()
    .meta({ description: `${description}: comma-separated, any of ${values.join(', ')}` });
}

/** An epoch-milliseconds bound in a query parameter. */
export function epochMsParameter(description: string) {
  return z
    .string()
    .regex(/^\d{1,15}$/, 'epoch milliseconds')
    .transform(Number)
    .optional()
    .meta({ description: `${description} (epoch ms)` });
}

/** An entity id in a path or query parameter. */
export const idParameter = entityIdSchema;

export const idParamsSchema = z.strictObject({ id: entityIdSchema });

export const jsonObjectSchema = z.record(z.string(), z.unknown());

export const entityViewSchema = z
  .object({
    kind: entityKindSchema,
    id: z.string(),
    version: z.number().int().nonnegative().meta({ description: '0 when nothing was ever committed' }),
    state: jsonObjectSchema.nullable().meta({ description: 'The reactive state; null when the entity does not exist' }),
    stateValue: z.unknown(),
  })
  .meta({ id: 'EntityView' });

export const entityTransitionSchema = z
  .object({
    kind: entityKindSchema,
    id: z.string(),
    version: z.number().int().positive(),
    prev: jsonObjectSchema.nullable(),
    next: jsonObjectSchema.nullable(),
    changedFields: z.array(z.string()),
    stateValue: z.unknown(),
    event: jsonObjectSchema,
    cause: changeCauseSchema,
    at: z.number(),
    committedBy: z.string().nullable(),
    committedAt: z.string().meta({ description: 'ISO 8601 time the database committed it' }),
  })
  .meta({ id: 'EntityTransition' });

export const clusterStatusSchema = z
  .object({
    namespace: z.string(),
    nodes: z.array(
      z.object({
        nodeId: z.string(),
        httpPort: z.number(),
        startedAt: z.string(),
        partitions: z.array(z.number()),
        clock: memberValueSchema.shape.clock,
        standby: z.string().optional(),
      }),
    ),
    unownedPartitions: z.array(z.number()),
    partitionCount: z.number(),
    outboxBacklog: z.number(),
    timers: z.number(),
    consumers: z.array(z.object({ stream: z.string(), name: z.string(), filter: z.string(), pending: z.number(), ackPending: z.number(), redelivered: z.number() })),
    parked: z.array(z.object({ subject: z.string(), messages: z.number() })),
  })
  .meta({ id: 'ClusterStatus' });
