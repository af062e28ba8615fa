import { describe, expect, it } from 'vitest';
import { durationSchema, MAX_DURATION_MS, parseDuration } from './durations.ts';
import { DurationError } from './errors.ts';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1h 30m 15s', 5_415_000],
    ['2d', 172_800_000],
    ['1.5h', 5_400_000],
    ['0s', 0],
    [1500, 1500],
    [0, 0],
  ] as const)('%s → %d ms', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each(['', '5', '300', '5x', 'm5', '1h-30m', '-5m', 'five minutes'])('refuses %j', (input) => {
    expect(() => parseDuration(input)).toThrow(DurationError);
  });

  it('asks for a unit when a string holds a bare number', () => {
    expect(() => parseDuration('300')).toThrow('invalid duration "300": add a unit (ms, s, m, h or d), e.g. "300s"');
  });

  it('refuses negative and fractional millisecond numbers', () => {
    expect(() => parseDuration(-1)).toThrow(/non-negative integer/);
    expect(() => parseDuration(1.5)).toThrow(/non-negative integer/);
  });
});

describe('durationSchema', () => {
  it('outputs milliseconds', () => {
    expect(durationSchema.parse('5m')).toBe(300_000);
    expect(durationSchema.parse(250)).toBe(250);
  });

  it('accepts 30 days and refuses more', () => {
    expect(durationSchema.parse('30d')).toBe(MAX_DURATION_MS);
    const tooLong = durationSchema.safeParse('31d');
    expect(tooLong.success).toBe(false);
    expect(tooLong.error!.issues[0]!.message).toContain('longer than the 30 days');
    expect(durationSchema.safeParse(MAX_DURATION_MS + 1).success).toBe(false);
  });

  it('refuses malformed strings with a hint', () => {
    const result = durationSchema.safeParse('5 minutes');
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error!.issues)).toContain('a duration like');
  });
});
