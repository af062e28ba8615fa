import { isPlainObject } from '../expressions/index.ts';

/** The value at a dot path (`checks.http.status`) inside `state`, or undefined. */
export function valueAtPath(state: unknown, path: string): unknown {
  let current = state;
  for (const key of path.split('.')) {
    if (Array.isArray(current) && /^\d+$/.test(key)) current = current[Number(key)];
    else if (isPlainObject(current) && Object.hasOwn(current, key)) current = current[key];
    else return undefined;
  }
  return current;
}

/**
 * Whether an entity's observed value matches an expected one. JSON-equal values match. When the
 * observed value is a state machine value, a string also matches as XState's `matches()` would:
 * "open" matches `{ open: "investigating" }` and so does "open.investigating".
 */
export function valueMatches(observed: unknown, expected: unknown, isStateValue: boolean): boolean {
  if (jsonEqual(observed, expected)) return true;
  if (!isStateValue || typeof expected !== 'string' || !isPlainObject(observed)) return false;
  return stateValuePaths(observed).some((path) => path === expected || path.startsWith(`${expected}.`));
}

// `{ a: { b: "c" }, d: "e" }` (parallel and nested states) → ["a.b.c", "d.e"].
function stateValuePaths(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [`${prefix}${value}`];
  if (!isPlainObject(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const paths = stateValuePaths(child, `${prefix}${key}.`);
    return paths.length > 0 ? paths : [`${prefix}${key}`];
  });
}

/** Deep equality of JSON-like values (key order ignored, numbers by value). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => jsonEqual(item, b[index]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a).filter((key) => a[key] !== undefined);
    const otherKeys = Object.keys(b).filter((key) => b[key] !== undefined);
    return keys.length === otherKeys.length && keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
  }
  return false;
}
