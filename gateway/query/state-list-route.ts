import * as z from 'zod';
import type { StateCondition, StateOrderKey, StateQueries, StateRow } from '../../persistence/index.ts';
import { defineRoute, type ApiRoute } from '../api-route.ts';
import { pageQueryShape, pageSchema } from '../api-schemas.ts';
import { decodeCursor, pageOf } from './page-cursor.ts';

export interface StateListSpec<Filters extends z.ZodRawShape, Item extends z.ZodType> {
  path: string;
  kind: string;
  tag: string;
  summary: string;
  description?: string;
  /** The list's own query parameters (besides `limit` and `cursor`). */
  filters: Filters;
  /** The conditions the parsed filters stand for. */
  where(query: z.output<z.ZodObject<Filters>>): StateCondition[];
  order: { keys: readonly StateOrderKey[]; direction: 'asc' | 'desc' };
  item: Item;
  /** OpenAPI component id of the page. */
  pageId: string;
  toItem(row: StateRow): z.output<Item>;
}

/**
 * A viewer route listing one kind's live entities a page at a time (keyset on the list's order,
 * see `StateQueries`), filtered by its query parameters.
 */
export function stateListRoute<Filters extends z.ZodRawShape, Item extends z.ZodType>(states: StateQueries, spec: StateListSpec<Filters, Item>): ApiRoute {
  const query = z.strictObject({ ...pageQueryShape, ...spec.filters });
  const sort = spec.order.keys.map((key) => key.field).join(',') || 'id';
  return defineRoute({
    method: 'get',
    path: spec.path,
    access: 'viewer',
    action: `list ${spec.path.slice(1)}`,
    tag: spec.tag,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    query,
    response: pageSchema(spec.item, spec.pageId),
    handle: async ({ query: parsed }) => {
      const { limit, cursor, ...filters } = parsed as { limit?: number; cursor?: string } & Record<string, unknown>;
      const after = decodeCursor(cursor, sort, spec.order.keys.length + 1);
      const result = await states.page({
        kind: spec.kind,
        where: spec.where(filters as z.output<z.ZodObject<Filters>>),
        order: spec.order,
        ...(after ? { after } : {}),
        limit: limit ?? 50,
      });
      return pageOf(result, sort, spec.toItem);
    },
  });
}

/** Conditions for the filters that were given (`undefined` ones are left out). */
export function conditions(...candidates: Array<StateCondition | false | undefined>): StateCondition[] {
  return candidates.filter((candidate): candidate is StateCondition => Boolean(candidate));
}
