import * as z from 'zod';
import { unstorableCodeUnit } from '../../protocol/storable-text.ts';
import { HttpRequestError } from '../http-errors.ts';

/** A sort value: its strings go to PostgreSQL as parameters, so they must be storable text. */
const positionSchema = z
  .array(z.union([z.string().max(1_000).refine((text) => unstorableCodeUnit(text) === -1), z.number(), z.null()]))
  .min(1)
  .max(4);
const cursorSchema = z.object({ s: z.string().max(32), p: positionSchema });

/**
 * A page's `next`: the sort values of its last row and the sort they belong to, as base64url JSON.
 * Opaque to clients; a cursor of another sort (or a forged one) is refused with a 400 rather than
 * giving a wrong page.
 */
export function encodeCursor(sort: string, position: ReadonlyArray<string | number | null>): string {
  return Buffer.from(JSON.stringify({ s: sort, p: position })).toString('base64url');
}

/** The position a cursor holds; `length` is how many sort values (keys and id) the sort has. */
export function decodeCursor(cursor: string | undefined, sort: string, length: number): Array<string | number | null> | undefined {
  if (cursor === undefined) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const parsed = cursorSchema.safeParse(decoded);
  if (parsed.success && parsed.data.s !== sort) throw new HttpRequestError('INVALID_REQUEST', `query parameter cursor: the cursor belongs to sort=${parsed.data.s.slice(0, 32)}, not ${sort}`);
  if (!parsed.success || parsed.data.p.length !== length) throw new HttpRequestError('INVALID_REQUEST', "query parameter cursor: not a cursor of this list (use the previous page's next)");
  return parsed.data.p;
}

/** `{ items, next }` of one page. */
export function pageOf<Row extends { position: Array<string | number | null> }, Item>(
  result: { rows: Row[]; more: boolean },
  sort: string,
  item: (row: Row) => Item,
): { items: Item[]; next: string | null } {
  const last = result.rows.at(-1);
  return { items: result.rows.map(item), next: result.more && last ? encodeCursor(sort, last.position) : null };
}
