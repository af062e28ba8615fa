import { z } from 'zod';
import { DURATION_HINT, DURATION_PATTERN, readDuration } from '../../protocol/duration.ts';
import { DurationError } from './errors.ts';

/** Longest duration an automation may use (a delay, a timeout, a `for`): 30 days, in ms. */
export const MAX_DURATION_MS = 30 * 24 * 60 * 60 * 1000;

export { DURATION_HINT, DURATION_PATTERN } from '../../protocol/duration.ts';

/**
 * Milliseconds in `input`, read with Vigil's one duration grammar (protocol/duration.ts): a
 * string of `<number><unit>` parts (units ms, s, m, h, d) or a non-negative integer of
 * milliseconds. Throws `DurationError` for anything else.
 */
export function parseDuration(input: string | number): number {
  const read = readDuration(input);
  if ('problem' in read) throw new DurationError(input, read.problem);
  return read.ms;
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
