/**
 * The JSONPath subset HTTP checks assert on: one value, reached from the root `$` by member names
 * (`.status`, `['a key']`, `["a key"]`) and array indices (`[0]`, `[-1]` for the last). No
 * wildcards, filters, slices or recursive descent: an assertion names exactly one value, so "it
 * equals X" has one meaning. Shared by the strategy schema (which refuses other paths) and the
 * agent (which evaluates them); no dependency, so the agent bundle stays small.
 */
export type JsonPathSegment = string | number;

const MEMBER = /^\.([A-Za-z_$][A-Za-z0-9_$]*)/;
const INDEX = /^\[(-?\d{1,9})\]/;
const QUOTED = /^\[(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]/;

/** The segments of `path`, or a sentence saying what is wrong with it. */
export function parseJsonPath(path: string): JsonPathSegment[] | string {
  if (!path.startsWith('$')) return 'a JSON path starts with $ (e.g. $.status or $.items[0].name)';
  const segments: JsonPathSegment[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    let match: RegExpExecArray | null;
    if ((match = MEMBER.exec(rest))) segments.push(match[1]!);
    else if ((match = INDEX.exec(rest))) segments.push(Number(match[1]));
    else if ((match = QUOTED.exec(rest))) segments.push((match[1] ?? match[2]!).replace(/\\(.)/g, '$1'));
    else return `unsupported JSON path syntax at "${rest.slice(0, 20)}": use .name, ['name'] or [index]`;
    rest = rest.slice(match[0].length);
  }
  return segments;
}

/** The value at `segments` in `document`, or `found: false` when a member or index is missing. Own members only. */
export function valueAtJsonPath(document: unknown, segments: readonly JsonPathSegment[]): { found: boolean; value?: unknown } {
  let current = document;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current)) return { found: false };
      const index = segment < 0 ? current.length + segment : segment;
      if (index < 0 || index >= current.length) return { found: false };
      current = current[index];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, segment)) return { found: false };
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return { found: true, value: current };
}
