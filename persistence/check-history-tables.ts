/**
 * The check history's tables (migrations 20261207020000 and 20261207030000): partitioned and written in raw SQL, so
 * they have no MikroORM entity, and the schema comparison (`checkMigrationNeeded`) skips them.
 */
export const CHECK_HISTORY_TABLES: ReadonlyArray<string | RegExp> = ['check_results', /^check_results_p\d{8}$/, 'check_rollups', 'system_rollups', 'history_rollup_folds'];

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** The start of the UTC day of `ms` (epoch ms). */
export function dayStartOf(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** The start of the hour of `ms` (epoch ms). */
export function hourStartOf(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/** The name of the raw results' partition of one UTC day (`check_results_p20261213`). */
export function partitionName(dayStartMs: number): string {
  return `check_results_p${new Date(dayStartMs).toISOString().slice(0, 10).replace(/-/g, '')}`;
}

/** The UTC day (its start, epoch ms) of a partition's name; undefined for any other name. */
export function dayOfPartition(name: string): number | undefined {
  const match = /^check_results_p(\d{4})(\d{2})(\d{2})$/.exec(name);
  return match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : undefined;
}

/**
 * PostgreSQL array literals, bound as one text parameter each and cast in SQL (`?::text[]`): a
 * batch is a dozen parameters whatever its size, and the same text works on PostgreSQL and PGlite.
 */
export function textArray(values: ReadonlyArray<string | null>): string {
  const items = new Array<string>(values.length);
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (value === null || value === undefined) items[index] = 'NULL';
    // Quoted always (an empty string, `NULL`, braces, commas, blanks); only `\` and `"` escaped.
    else items[index] = value.includes('"') || value.includes('\\') ? `"${value.replace(/[\\"]/g, '\\$&')}"` : `"${value}"`;
  }
  return `{${items.join(',')}}`;
}

export function numberArray(values: ReadonlyArray<number | null>): string {
  return `{${values.map((value) => (value === null || value === undefined ? 'NULL' : String(value))).join(',')}}`;
}

export function booleanArray(values: readonly boolean[]): string {
  return `{${values.map((value) => (value ? 't' : 'f')).join(',')}}`;
}
