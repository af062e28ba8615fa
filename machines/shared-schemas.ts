import { z } from 'zod';
import { MAX_FREE_FORM_DEPTH, refuseUnstorable } from '../protocol/storable-text.ts';
import { entityIdSchema } from './entity-change.ts';

/**
 * Free-form metadata attached to catalog entities: a JSON object whose values are any JSON, at
 * most `MAX_FREE_FORM_DEPTH` (32) levels deep counting the object itself, with storable text only.
 */
export const metadataSchema = z.record(z.string(), z.unknown()).superRefine(refuseUnstorable(MAX_FREE_FORM_DEPTH));

/** A list of entity ids without duplicates (order kept as given). */
export const idListSchema = z
  .array(entityIdSchema)
  .max(1000)
  .refine((ids) => new Set(ids).size === ids.length, 'ids must not repeat');

/** Input every entity machine is started with: its own id. */
export interface EntityInput {
  id: string;
}
