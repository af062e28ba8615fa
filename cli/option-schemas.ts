import { z } from 'zod';
// Straight from their files, not the folders' index.ts: the CLI must start fast.
import { parseDuration } from '../automations/expressions/durations.ts';
import { entityIdSchema } from '../machines/entity-change.ts';
import { statusSetSchema } from '../protocol/status-set.ts';

// The shapes of option values shared by several commands, as zod schemas that turn the text of
// the command line into what the commands send. Values the cluster checks anyway (URLs, time
// zones) are left to it: one place decides what is valid.

/** The ids of entities, as the cluster accepts them. */
export const idSchema = entityIdSchema;

/** `30s`, `5m`, `1h30m`, `90d`, `1500ms` → milliseconds (more than 0). */
export const durationSchema = z.string().transform((text, context) => {
  let ms = Number.NaN;
  try {
    ms = parseDuration(text);
  } catch {
    // reported below
  }
  if (!(ms > 0)) {
    context.addIssue({ code: 'custom', message: 'expected a duration such as 1500ms, 30s, 5m, 2h or 90d', input: text });
    return z.NEVER;
  }
  return ms;
});

/** `a,b` → `['a', 'b']`: a comma-separated list of ids (blanks around commas ignored). */
export const idListSchema = z
  .string()
  .transform((text) => text.split(',').map((id) => id.trim()).filter(Boolean))
  .pipe(z.array(idSchema));

/** `2026-03-01T22:00:00Z` (ISO 8601, with a zone) or epoch ms → epoch ms. */
export const instantSchema = z.string().transform((text, context) => {
  if (/^\d+$/.test(text)) return Number(text);
  // A date-time without a zone would be read in this machine's local zone: refuse the ambiguity.
  const ms = /T.*(Z|[+-]\d\d:?\d\d)$/i.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) {
    context.addIssue({ code: 'custom', message: 'expected an ISO 8601 time with a zone (2026-03-01T22:00:00Z) or epoch ms', input: text });
    return z.NEVER;
  }
  return ms;
});

/** `host:port` → `{ host, port }`. */
export const hostPortSchema = z.string().transform((text, context) => {
  const match = /^(.+):(\d+)$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65_535) {
    context.addIssue({ code: 'custom', message: 'expected host:port, such as db.internal:5432', input: text });
    return z.NEVER;
  }
  return { host: match[1]!, port };
});

/**
 * `200`, `2xx`, `200-299` or a comma-separated list of them (`200,3xx,401-403`) → a status set
 * (protocol/status-set.ts): one code stays a number, the form checks were stored in before lists.
 */
export const statusSetOptionSchema = z.string().transform((text, context) => {
  const items = text.split(',').map((item) => item.trim()).filter(Boolean).map((item) => (/^\d{3}$/.test(item) ? Number(item) : item));
  const parsed = statusSetSchema.safeParse(items.length === 1 ? items[0] : items);
  if (!parsed.success) {
    context.addIssue({ code: 'custom', message: 'expected HTTP statuses such as 200, 2xx, 200-299 or 200,3xx', input: text });
    return z.NEVER;
  }
  return parsed.data;
});

/** `mon,Wed` → `['mon', 'wed']`. */
export const weekdaysSchema = z
  .string()
  .transform((text) => text.split(',').map((day) => day.trim().toLowerCase()).filter(Boolean))
  .pipe(z.array(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], { error: 'expected days such as mon,wed,sun' })).min(1, 'expected days such as mon,wed,sun'));

const LIMIT_HINT = 'expected a whole number from 1 to 500';

/** `--limit`: how many items one request of the query API may answer, 1 to 500. */
export const limitSchema = z
  .string()
  .regex(/^\d{1,3}$/, LIMIT_HINT)
  .transform(Number)
  .pipe(z.number().min(1, LIMIT_HINT).max(500, LIMIT_HINT));

/** `a,b` → `['a', 'b']`, each one of `values` (blanks around commas ignored). */
export function choiceListSchema<const T extends string>(values: readonly T[]) {
  const hint = `expected one or more of ${values.join(', ')}, comma-separated`;
  return z
    .string()
    .transform((text) => text.split(',').map((value) => value.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values as [T, ...T[]], { error: hint })).min(1, hint));
}

/** `24h` (that long before now), an ISO 8601 time with a zone, or epoch ms → epoch ms. */
export const sinceSchema = z.string().transform((text, context) => {
  const ago = durationSchema.safeParse(text);
  if (ago.success) return Date.now() - ago.data;
  const instant = instantSchema.safeParse(text);
  if (instant.success) return instant.data;
  context.addIssue({ code: 'custom', message: 'expected a duration before now such as 30m or 24h, an ISO 8601 time with a zone (2026-03-01T22:00:00Z) or epoch ms', input: text });
  return z.NEVER;
});
