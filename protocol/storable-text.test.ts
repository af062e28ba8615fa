import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  escapeUnstorable,
  findUnstorable,
  freeFormJson,
  storableInput,
  toStorableText,
  truncateText,
  unstorableCodeUnit,
} from './storable-text.ts';

const nested = (depth: number): unknown => {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level++) value = level % 2 === 0 ? [value] : { k: value };
  return value;
};

describe('storable text', () => {
  it.each([
    ['NUL', 'a\u0000b', 0],
    ['a lone high surrogate', 'a\ud800b', 0xd800],
    ['a lone high surrogate at the end', 'ab\udbff', 0xdbff],
    ['a lone low surrogate', 'a\udc00b', 0xdc00],
    ['a pair in the wrong order', '\udc00\ud800', 0xdc00],
    ['a high surrogate followed by another high one', '\ud83d\ud83d\ude00', 0xd83d],
  ])('finds %s', (_label, text, unit) => {
    expect(unstorableCodeUnit(text)).toBe(unit);
  });

  it.each([
    ['plain ASCII', 'hello'],
    ['an emoji (a surrogate pair)', 'up \ud83d\ude80 and away'],
    ['several astral characters in a row', '\u{1F600}\u{1F680}\u{10FFFF}'],
    ['accents and CJK', 'café 東京'],
    ['the empty string', ''],
  ])('accepts %s', (_label, text) => {
    expect(unstorableCodeUnit(text)).toBe(-1);
  });

  it('names the path of each offending string and key, with the character', () => {
    const issues = findUnstorable({ results: [{ message: 'ok' }, { message: 'x\u0000' }], metadata: { 'k\ud800': 1, fine: ['\udc00'] } });
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: ['results', 1, 'message'], message: 'contains a character PostgreSQL cannot store (U+0000)' },
        { path: ['metadata', 'k\\ud800'], message: 'key contains a character PostgreSQL cannot store (U+D800, a lone surrogate)' },
        { path: ['metadata', 'fine', 0], message: 'contains a character PostgreSQL cannot store (U+DC00, a lone surrogate)' },
      ]),
    );
    expect(issues).toHaveLength(3);
    expect(findUnstorable('\u0000')).toEqual([{ path: [], message: 'contains a character PostgreSQL cannot store (U+0000)' }]);
    expect(findUnstorable({ a: [1, true, null, '\u{1F680}'] })).toEqual([]);
  });

  it('bounds nesting without recursing: a million levels are refused, not a stack overflow', () => {
    expect(findUnstorable(nested(64), { maxDepth: 64 })).toEqual([]);
    const [issue] = findUnstorable(nested(65), { maxDepth: 64 });
    expect(issue!.message).toBe('nests deeper than 64 levels of objects and arrays');
    expect(issue!.path).toHaveLength(64);
    expect(findUnstorable(nested(1_000_000))).toHaveLength(1);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(findUnstorable(cyclic)[0]!.message).toMatch(/nests deeper/);
  });

  it('stops after `limit` issues', () => {
    expect(findUnstorable(Array.from({ length: 1000 }, () => '\u0000'))).toHaveLength(10);
    expect(findUnstorable(Array.from({ length: 1000 }, () => '\u0000'), { limit: 3 })).toHaveLength(3);
  });

  it('as zod schemas: checks the raw input first, with the path; free-form values at most 32 deep', () => {
    const schema = storableInput(z.object({ name: z.string() }));
    const refused = schema.safeParse({ name: 'a\u0000', extra: 'ignored by the object but still checked' });
    expect(refused.success).toBe(false);
    expect(refused.error!.issues.map((issue) => [issue.path, issue.message])).toEqual([[['name'], 'contains a character PostgreSQL cannot store (U+0000)']]);
    expect(schema.safeParse({ name: 'b', extra: '\udc00' }).error!.issues[0]!.path).toEqual(['extra']);
    expect(schema.parse({ name: 'rocket \u{1F680}' })).toEqual({ name: 'rocket \u{1F680}' });

    const freeForm = z.object({ metadata: freeFormJson() });
    expect(freeForm.safeParse({ metadata: nested(32) }).success).toBe(true);
    expect(freeForm.safeParse({ metadata: nested(33) }).error!.issues[0]!.message).toBe('nests deeper than 32 levels of objects and arrays');
  });

  it('makes text storable: replaces what PostgreSQL refuses, cuts without splitting a pair', () => {
    expect(toStorableText('a\u0000b\ud800c\udc00d\u{1F680}')).toBe('a\ufffdb\ufffdc\ufffdd\u{1F680}');
    expect(truncateText('ab\u{1F680}', 3)).toBe('ab');
    expect(truncateText('ab\u{1F680}', 4)).toBe('ab\u{1F680}');
    expect(truncateText('abc', 2)).toBe('ab');
    expect(toStorableText('\u0000'.repeat(10), 4)).toBe('\ufffd'.repeat(4));
    expect(escapeUnstorable('k\u0000\ud800\u{1F680}')).toBe('k\\u0000\\ud800\u{1F680}');
    expect(unstorableCodeUnit(escapeUnstorable('\udc00\ud800'))).toBe(-1);
  });
});
