import * as z from 'zod';

/**
 * The one duration grammar of Vigil: one or more `<number><unit>` parts, units `ms`, `s`, `m`,
 * `h`, `d` ("90s", "1m30s", "1.5h", "2d"; spaces between parts allowed), or an integer number of
 * milliseconds. The CLI's options, setup files, entity commands and automation definitions all
 * read durations through this file, so "30s" means the same everywhere. Depends on zod only
 * (the satellite agent bundles `protocol/`).
 */
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export const DURATION_PATTERN = /^\s*(?:\d+(?:\.\d+)?\s*(?:ms|s|m|h|d)\s*)+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/g;
export const DURATION_HINT = 'a duration like "90s", "5m", "1h30m", "2d" or "500ms", or a number of milliseconds';

/**
 * Milliseconds in `input`, or why it is not a duration. Fractions are allowed in text ("1.5h")
 * and rounded to the millisecond; a bare number in text ("300") is refused because its unit
 * would be a guess.
 */
export function readDuration(input: unknown): { ms: number } | { problem: string } {
  if (typeof input === 'number') {
    return Number.isInteger(input) && input >= 0 ? { ms: input } : { problem: 'a number of milliseconds must be a non-negative integer' };
  }
  if (typeof input !== 'string') return { problem: DURATION_HINT };
  if (/^\s*\d+(?:\.\d+)?\s*$/.test(input)) return { problem: 'add a unit (ms, s, m, h or d), e.g. "300s"' };
  if (!DURATION_PATTERN.test(input)) return { problem: `expected ${DURATION_HINT}` };
  let total = 0;
  for (const [, amount, unit] of input.matchAll(DURATION_PART)) total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return { ms: Math.round(total) };
}

/** "90000" → "90s", "5400000" → "1h30m": how a number of milliseconds is written back for people. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return text;
}

/**
 * A duration field in milliseconds, between `min` and `max` ms: accepts the grammar above or an
 * integer of milliseconds, outputs milliseconds. Errors say the bounds in the grammar.
 */
export function durationMs(bounds: { min: number; max: number }) {
  return z
    .union([z.int().min(0), z.string().max(100)])
    .transform((input, context) => {
      const read = readDuration(input);
      if ('problem' in read) {
        context.addIssue({ code: 'custom', message: read.problem, input });
        return z.NEVER;
      }
      if (read.ms < bounds.min || read.ms > bounds.max) {
        context.addIssue({ code: 'custom', message: `must be between ${formatDuration(bounds.min)} and ${formatDuration(bounds.max)}`, input });
        return z.NEVER;
      }
      return read.ms;
    })
    .meta({ description: `milliseconds (integer) or ${DURATION_HINT}; between ${formatDuration(bounds.min)} and ${formatDuration(bounds.max)}` });
}
