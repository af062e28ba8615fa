import { z } from 'zod';
import { DurationError } from './errors.ts';

/** Longest duration an automation may use (a delay, a timeout, a `for`): 30 days, in ms. */
export const MAX_DURATION_MS = 30 * 24 * 60 * 60 * 1000;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** One or more `<number><unit>` parts, e.g. "90s", "1h30m", "1.5h", "500ms" (spaces between parts allowed). */
export const DURATION_PATTERN = /^\s*(?:\d+(?:\.\d+)?\s*(?:ms|s|m|h|d)\s*)+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/g;
export const DURATION_HINT = 'a duration like "90s", "5m", "1h30m", "2d" or "500ms", or a number of milliseconds';

/**
 * Milliseconds in `input`: a string of `<number><unit>` parts (units ms, s, m, h, d) or a
 * non-negative integer of milliseconds. Fractions are allowed in strings ("1.5h") and rounded to
 * the millisecond. Throws `DurationError` for anything else; a bare number in a string ("300") is
 * refused because its unit would be a guess.
 */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isInteger(input) || input < 0) throw new DurationError(input, 'a number of milliseconds must be a non-negative integer');
    return input;
  }
  if (typeof input !== 'string') throw new DurationError(input, DURATION_HINT);
  if (/^\s*\d+(?:\.\d+)?\s*$/.test(input)) throw new DurationError(input, 'add a unit (ms, s, m, h or d), e.g. "300s"');
  if (!DURATION_PATTERN.test(input)) throw new DurationError(input, `expected ${DURATION_HINT}`);
  let total = 0;
  for (const [, amount, unit] of input.matchAll(DURATION_PART)) total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return Math.round(total);
}

/** Accepts what `parseDuration` accepts, up to 30 days; outputs milliseconds. */
export const durationSchema = z
  .union([
    z.string().regex(DURATION_PATTERN, `expected ${DURATION_HINT}`),
    z.number().int('a number of milliseconds must be an integer').min(0).max(MAX_DURATION_MS),
  ])
  .transform((input, context) => {
    const ms = parseDuration(input);
    if (ms > MAX_DURATION_MS) {
      context.addIssue({ code: 'custom', message: `${JSON.stringify(input)} is longer than the 30 days allowed`, input });
      return z.NEVER;
    }
    return ms;
  });
