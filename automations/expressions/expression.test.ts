import { describe, expect, it } from 'vitest';
import { ExpressionError } from './errors.ts';
import { compileExpression, evaluateExpression } from './expression.ts';

function evaluationError(run: () => unknown): ExpressionError {
  try {
    run();
  } catch (error) {
    if (error instanceof ExpressionError) return error;
    throw error;
  }
  throw new Error('expected an ExpressionError');
}

describe('evaluateExpression: numbers', () => {
  it('treats safe integers in the scope as ints and returns plain numbers', () => {
    expect(evaluateExpression('count + 1', { count: 3 })).toBe(4);
    expect(evaluateExpression('count / 2', { count: 7 })).toBe(3);
    expect(evaluateExpression('count % 4 == 3', { count: 7 })).toBe(true);
  });

  it('treats fractional numbers as doubles', () => {
    expect(evaluateExpression('ratio * 100.0', { ratio: 0.25 })).toBe(25);
    expect(evaluateExpression('double(count) + ratio', { count: 2, ratio: 0.5 })).toBe(2.5);
  });

  it('compares ints and doubles by value', () => {
    expect(evaluateExpression('ratio > 0', { ratio: 0.5 })).toBe(true);
    expect(evaluateExpression('count == 2.0', { count: 2 })).toBe(true);
  });

  it('reports int/double arithmetic as an evaluation error naming the source', () => {
    const error = evaluationError(() => evaluateExpression('ratio + 1', { ratio: 0.5 }));
    expect(error.code).toBe('EXPRESSION_EVALUATION');
    expect(error.source).toBe('ratio + 1');
    expect(error.message).toContain('no such overload');
    expect(error.message).toContain('"ratio + 1"');
  });

  it('converts ints nested in results back to numbers', () => {
    expect(evaluateExpression('[1, 2.5, {"a": 3}]', {})).toEqual([1, 2.5, { a: 3 }]);
    expect(evaluateExpression('items.map(i, i * 2)', { items: [1, 2, 3] })).toEqual([2, 4, 6]);
    expect(evaluateExpression('size(items)', { items: [1, 2, 3] })).toBe(3);
  });

  it('returns durations in milliseconds and keeps timestamps as dates', () => {
    expect(evaluateExpression('duration("1h30m")', {})).toBe(5_400_000);
    expect(evaluateExpression('timestamp("2024-01-01T00:00:00Z")', {})).toEqual(new Date('2024-01-01T00:00:00Z'));
    expect(evaluateExpression('at > timestamp("2023-01-01T00:00:00Z")', { at: new Date('2024-01-01T00:00:00Z') })).toBe(true);
  });
});

describe('evaluateExpression: scope values', () => {
  it('reads nested maps and lists', () => {
    const scope = { trigger: { payload: { systemId: 's1', checks: [{ ok: true }, { ok: false }] } } };
    expect(evaluateExpression('trigger.payload.systemId == "s1"', scope)).toBe(true);
    expect(evaluateExpression('trigger.payload.checks.exists(c, !c.ok)', scope)).toBe(true);
  });

  it('fails with "No such key" on a missing key, and has() / optional access guard it', () => {
    const error = evaluationError(() => evaluateExpression('trigger.payload.missing', { trigger: { payload: {} } }));
    expect(error.summary).toContain('No such key: missing');
    expect(evaluateExpression('has(trigger.payload.missing)', { trigger: { payload: {} } })).toBe(false);
    expect(evaluateExpression('trigger.payload.?missing.orValue("none")', { trigger: { payload: {} } })).toBe('none');
    expect(evaluateExpression('trigger.payload.?present', { trigger: { payload: { present: 2 } } })).toBe(2);
  });

  it('drops undefined values and reads null as null', () => {
    expect(evaluateExpression('has(a.b)', { a: { b: undefined } })).toBe(false);
    expect(evaluateExpression('a.c == null', { a: { c: null } })).toBe(true);
    expect(evaluateExpression('a.list', { a: { list: [1, undefined] } })).toEqual([1, null]);
  });

  it('does not expose prototype members as variables or keys', () => {
    expect(() => evaluateExpression('constructor', {})).toThrow(ExpressionError);
    expect(evaluateExpression('has(a.toString)', { a: {} })).toBe(false);
    expect(evaluateExpression('a.constructor', { a: { constructor: 5 } })).toBe(5);
  });

  it('reports an unknown variable', () => {
    const error = evaluationError(() => evaluateExpression('missing > 1', {}));
    expect(error.summary).toContain('Unknown variable: missing');
  });

  it('converts only the variables an expression reads, and survives cycles', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    expect(evaluateExpression('x + 1', { x: 1, unrelated: cyclic })).toBe(2);
    expect(evaluateExpression('c.name == "loop" && c.self == null', { c: cyclic })).toBe(true);
  });
});

describe('compileExpression', () => {
  it('reports a syntax error with its position', () => {
    const error = evaluationError(() => compileExpression('status == '));
    expect(error.code).toBe('EXPRESSION_SYNTAX');
    expect(error.span).toEqual({ start: 10, end: 10 });
    expect(error.message).toMatch(/syntax error: Unexpected token: EOF at position 10 in expression "status == "/);
  });

  it('rejects what can never type-check, such as int + string or int + double literals', () => {
    expect(evaluationError(() => compileExpression('1 + "a"')).code).toBe('EXPRESSION_TYPE');
    expect(evaluationError(() => compileExpression('1 + 1.0')).message).toContain('int + double');
  });

  it('refuses to read secrets', () => {
    expect(evaluationError(() => compileExpression('secrets.API_TOKEN != ""')).message).toContain('secrets cannot be read by expressions');
  });

  it('rejects empty and overlong sources', () => {
    expect(() => compileExpression('  ')).toThrow(/empty/);
    expect(() => compileExpression(`x == "${'a'.repeat(10_001)}"`)).toThrow(/longer than 10000/);
  });

  it('caches by source, evicting the least recently used beyond its bound', () => {
    const first = compileExpression('cached_a == 1');
    expect(compileExpression('cached_a == 1')).toBe(first);
    for (let index = 0; index < 2_100; index += 1) compileExpression(`v == ${index}`);
    expect(compileExpression('cached_a == 1')).not.toBe(first);
  });

  it('lists the top-level variables it reads', () => {
    expect([...compileExpression('trigger.payload.x > 1 && items.all(i, i > 0)').variables].sort()).toEqual(['i', 'items', 'trigger']);
  });
});
