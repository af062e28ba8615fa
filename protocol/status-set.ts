import * as z from 'zod';

/**
 * The HTTP statuses that mean healthy: a code (`200`), a class (`2xx`), a range (`200-299`), or a
 * list of them (`[200, "3xx", "401-403"]`). Absent, the agent accepts 200–299. A single number is
 * also the form checks were stored in before lists existed (`expectedStatus: 200`).
 */
const code = z.number().int().min(100).max(599);
const pattern = z
  .string()
  .regex(/^(?:[1-5]xx|[1-5]\d\d(?:-[1-5]\d\d)?)$/, 'a status code (200), class (2xx) or range (200-299)')
  .refine((text) => !text.includes('-') || Number(text.slice(0, 3)) <= Number(text.slice(4)), 'a range goes from low to high');
export const statusSetSchema = z.union([code, pattern, z.array(z.union([code, pattern])).min(1).max(20)]);
export type StatusSet = z.infer<typeof statusSetSchema>;

/** What an absent `expectedStatus` means. */
export const DEFAULT_EXPECTED_STATUS = '2xx';

/** Whether `status` is in `set` (a validated status set). */
export function statusInSet(status: number, set: StatusSet = DEFAULT_EXPECTED_STATUS): boolean {
  return (Array.isArray(set) ? set : [set]).some((item) => {
    if (typeof item === 'number') return status === item;
    if (item.endsWith('xx')) return Math.floor(status / 100) === Number(item[0]);
    const [low, high = low] = item.split('-').map(Number);
    return status >= low! && status <= high!;
  });
}

/** `200, 3xx`: the set as people read it. */
export function formatStatusSet(set: StatusSet = DEFAULT_EXPECTED_STATUS): string {
  return (Array.isArray(set) ? set : [set]).join(', ');
}
