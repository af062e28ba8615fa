import { z } from 'zod';
import type { NodeClient } from './node-client.ts';
import { limitSchema } from './option-schemas.ts';

// The lists of the query API (docs/PROTOCOL.md, "Query API") as the CLI prints them: one page of
// `--limit` items, or with `--all` every page; `--json` prints the API's items unchanged (one
// array), so scripts rely on the documented item shapes; otherwise a table.

/** The options every list command has: `--limit`, `--all`, `--json`. */
export const listOptions = z.object({ limit: limitSchema.default(50), all: z.boolean().optional(), json: z.boolean().optional() });
export type ListOptions = z.output<typeof listOptions>;

/** What a list request gathered: its items in the API's order; `more` when pages were left unread. */
export interface ListResult<T> {
  items: T[];
  more: boolean;
}

/**
 * GETs `path` with the filters given (undefined ones left out): one page of `limit` items, or with
 * `all` every page, `limit` items per request, following `next` until it is null. Rejects like
 * `NodeClient.request` (a refused filter or cursor is the node's `INVALID_REQUEST`).
 */
export async function readList<T>(node: NodeClient, path: string, filters: Record<string, string | undefined>, options: Pick<ListOptions, 'limit' | 'all'>): Promise<ListResult<T>> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: String(options.limit) });
    for (const [name, value] of Object.entries(filters)) if (value !== undefined) query.set(name, value);
    if (cursor !== null) query.set('cursor', cursor);
    const page: { items: T[]; next: string | null } = await node.request('GET', `${path}?${query}`);
    items.push(...page.items);
    cursor = page.next;
  } while (options.all && cursor !== null);
  return { items, more: cursor !== null };
}

/**
 * Prints a list: the items as one JSON array with `--json`, else a table of `columns` (header
 * first). When pages were left unread, says so on stderr (stdout stays the list alone). Returns 0.
 */
export function printList<T>(list: ListResult<T>, options: ListOptions, columns: Record<string, (item: T) => string>): number {
  if (options.json) console.log(JSON.stringify(list.items, null, 2));
  else printTable([Object.keys(columns), ...list.items.map((item) => Object.values(columns).map((cell) => cell(item)))]);
  if (list.more) console.error(`vigil: the first ${list.items.length} shown; there are more (--all for every one, or --limit up to 500)`);
  return 0;
}

/** Prints rows, each column as wide as its widest cell (the last one unpadded). */
export function printTable(rows: string[][]): void {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]!.length))) ?? [];
  for (const row of rows) console.log(row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd());
}

/** An epoch-ms time as ISO 8601 (UTC), `-` when there is none. */
export function isoTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : new Date(ms).toISOString();
}
