import { z } from 'zod';
import { entityIdSchema } from './entity-change.ts';

/** Free-form metadata attached to catalog entities: a flat JSON object. */
export const metadataSchema = z.record(z.string(), z.unknown());

/** A list of entity ids without duplicates (order kept as given). */
export const idListSchema = z
  .array(entityIdSchema)
  .max(1000)
  .refine((ids) => new Set(ids).size === ids.length, 'ids must not repeat');

/** Input every entity machine is started with: its own id. */
export interface EntityInput {
  id: string;
}
