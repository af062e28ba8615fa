import { describe, expect, it } from 'vitest';
import { scenarios } from './golden/scenarios.ts';
import { entityKinds, getEntityDefinition } from './index.ts';

const BAD = [
  ['U+0000', '\u0000'],
  ['U+D800', '\ud800'],
  ['U+DC00', '\udc00'],
] as const;

/** The path of the first string in `value` other than the event's `type`. */
function firstString(value: unknown, path: Array<string | number> = []): Array<string | number> | undefined {
  if (typeof value === 'string') return path.length === 1 && path[0] === 'type' ? undefined : path;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const found = firstString(child, [...path, Array.isArray(value) ? Number(key) : key]);
    if (found) return found;
  }
  return undefined;
}

function withString(event: Record<string, unknown>, path: Array<string | number>, suffix: string): Record<string, unknown> {
  const copy = structuredClone(event);
  let parent = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  parent[path.at(-1)!] = `${parent[path.at(-1)!] as string}${suffix}`;
  return copy;
}

function parseIssues(kind: string, event: unknown) {
  const parsed = getEntityDefinition(kind)!.eventSchema.safeParse(event);
  return parsed.success ? [] : parsed.error.issues.map((issue) => ({ path: issue.path, message: issue.message }));
}

describe('every entity kind refuses text PostgreSQL cannot store', () => {
  it.each(entityKinds)('%s', (kind) => {
    const definition = getEntityDefinition(kind);
    const events = scenarios[kind].events
      .map(({ at: _at, ...event }) => event)
      .filter((event) => definition.eventSchema.safeParse(event).success);
    const event = events.find((candidate) => firstString(candidate) !== undefined) ?? events[0]!;
    const path = firstString(event);
    expect(path, 'a scenario event with a string field').toBeDefined();
    for (const [name, character] of BAD) {
      // A field the kind's schema would strip is checked too: nothing unstorable gets past.
      expect(parseIssues(kind, { ...event, note: `x${character}` })).toEqual([
        { path: ['note'], message: `contains a character PostgreSQL cannot store (${name}${name === 'U+0000' ? '' : ', a lone surrogate'})` },
      ]);
      expect(parseIssues(kind, withString(event, path!, character))).toEqual([{ path, message: expect.stringContaining(`PostgreSQL cannot store (${name}`) }]);
    }
    expect(parseIssues(kind, { ...event, note: 'rocket \u{1F680}' })).toEqual([]);
  });
});

describe('free text and free-form fields', () => {
  const nested = (depth: number): unknown => {
    let value: unknown = 'leaf';
    for (let level = 0; level < depth; level++) value = { next: value };
    return value;
  };

  it('accepts astral characters where text is free, refuses NUL and lone surrogates by path', () => {
    expect(parseIssues('system', { type: 'create', name: 'Checkout \u{1F6D2}', description: '\ud83d\ude80 fast' })).toEqual([]);
    expect(parseIssues('incident', { type: 'post_update', message: 'Fixed \u{1F389}' })).toEqual([]);
    expect(parseIssues('system', { type: 'update', name: 'Check\u0000out' })).toEqual([
      { path: ['name'], message: 'contains a character PostgreSQL cannot store (U+0000)' },
    ]);
    expect(parseIssues('incident', { type: 'post_update', message: 'half \ud83d' })).toEqual([
      { path: ['message'], message: 'contains a character PostgreSQL cannot store (U+D83D, a lone surrogate)' },
    ]);
  });

  it('checks metadata keys and values, and bounds metadata to 32 levels', () => {
    expect(parseIssues('system', { type: 'update', metadata: { 'owner\u0000': 'x' } })).toEqual([
      { path: ['metadata', 'owner\\u0000'], message: 'key contains a character PostgreSQL cannot store (U+0000)' },
    ]);
    expect(parseIssues('group', { type: 'create', name: 'g', metadata: { tags: ['a', '\udc00'] } })).toEqual([
      { path: ['metadata', 'tags', 1], message: 'contains a character PostgreSQL cannot store (U+DC00, a lone surrogate)' },
    ]);
    // The metadata object is level 1.
    expect(parseIssues('system', { type: 'update', metadata: { deep: nested(31) } })).toEqual([]);
    expect(parseIssues('system', { type: 'update', metadata: { deep: nested(32) } })).toEqual([
      { path: ['metadata', ...Array.from({ length: 32 }, (_, index) => (index === 0 ? 'deep' : 'next'))], message: 'nests deeper than 32 levels of objects and arrays' },
    ]);
    // Far deeper input is refused by the event's own bound before any schema walks it.
    expect(parseIssues('system', { type: 'update', metadata: nested(100_000) })[0]!.message).toBe('nests deeper than 64 levels of objects and arrays');
  });

  it('names the one bad result among 100 of a check_results event', () => {
    const results = Array.from({ length: 100 }, (_, index) => ({
      checkId: `c${index}`,
      source: 'sat-1',
      success: index !== 57,
      executedAt: 1_000 + index,
      resultId: `r${index}`,
      ...(index === 57 ? { message: 'timeout \u0000' } : {}),
    }));
    expect(parseIssues('health', { type: 'check_results', results })).toEqual([
      { path: ['results', 57, 'message'], message: 'contains a character PostgreSQL cannot store (U+0000)' },
    ]);
  });
});
