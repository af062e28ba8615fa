import * as z from 'zod';
import { DAY_MS, HOUR_MS, type CheckHistoryQueries, type StoredCheckResult } from '../../persistence/index.ts';
import { UPTIME_WINDOWS, type CheckHistoryReader } from '../../history/index.ts';
import { checkErrorKindSchema, checkTimingsSchema } from '../../protocol/check-result.ts';
import { defineRoute } from '../api-route.ts';
import type { ApiRouter } from '../api-router.ts';
import { epochMsParameter, idParamsSchema, pageQueryShape, pageSchema } from '../api-schemas.ts';
import { HttpRequestError } from '../http-errors.ts';
import { decodeCursor, pageOf } from './page-cursor.ts';

export interface HistoryRoutesOptions {
  reader: CheckHistoryReader;
  queries: CheckHistoryQueries;
  /** Epoch ms on the cluster's clock. */
  clock: () => number;
}

const percentileMs = (q: string) => z.number().nullable().meta({ description: `${q} latency of the successes, ms (within ±5 %); null without any` });
const summaryShape = {
  results: z.number().int().nonnegative(),
  failures: z.number().int().nonnegative(),
  uptime: z.number().min(0).max(100).nullable().meta({ description: 'Successes / results × 100; null without results' }),
  p50: percentileMs('Median'),
  p95: percentileMs('95th percentile'),
  p99: percentileMs('99th percentile'),
};

const uptimeSchema = z
  .object({
    windows: z.array(
      z.object({
        window: z.enum(UPTIME_WINDOWS.map((window) => window.window) as ['24h', '7d', '30d', '90d']),
        since: z.number().meta({ description: "Start of the window's first hour (24h) or UTC day (7d, 30d, 90d), epoch ms; the window runs to now" }),
        ...summaryShape,
      }),
    ),
  })
  .meta({ id: 'HistoryUptime' });

const seriesSchema = z
  .object({
    bucket: z.enum(['hour', 'day']),
    points: z.array(z.object({ at: z.number().meta({ description: 'Start of the hour or UTC day, epoch ms' }), ...summaryShape })).meta({ description: 'Oldest first; a bucket without results has no point' }),
  })
  .meta({ id: 'HistorySeries' });

export const checkResultItemSchema = z
  .object({
    checkId: z.string(),
    systemId: z.string(),
    source: z.string().meta({ description: 'The satellite that ran it, or `push`' }),
    resultId: z.string(),
    executedAt: z.number(),
    status: z.enum(['up', 'down']),
    latencyMs: z.number().nullable(),
    error: z
      .object({
        kind: checkErrorKindSchema.nullable().meta({ description: 'null: an agent that reported only a message' }),
        message: z.string().nullable(),
        code: z.string().nullable(),
      })
      .nullable()
      .meta({ description: 'Why it failed; null for a success' }),
    timings: checkTimingsSchema.nullable(),
    measured: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'StoredCheckResult' });

/** Longest range of one series: 92 days of hours, about 3 years of days. */
const MAX_SERIES_MS = { hour: 92 * DAY_MS, day: 1_100 * DAY_MS } as const;
/** The range of a series without `since`: the last 24 hours, or the last 30 days. */
const DEFAULT_SERIES_MS = { hour: 24 * HOUR_MS, day: 30 * DAY_MS } as const;

/**
 * The check history (docs/PROTOCOL.md, "Check history"): uptime and latency of a check or system
 * over fixed windows and as a series, from the hourly and daily roll-ups; a check's raw results,
 * keyset-paged newest first. An id with no history answers empty, not 404: history outlives the
 * check or system it belongs to. All need the viewer role.
 */
export function serveHistoryRoutes(router: ApiRouter, options: HistoryRoutesOptions): void {
  for (const subject of ['check', 'system'] as const) {
    const plural = `${subject}s`;
    const tag = subject === 'check' ? 'Satellites' : 'Systems';
    router.json(
      defineRoute({
        method: 'get',
        path: `/${plural}/{id}/uptime`,
        access: 'viewer',
        action: `read ${subject} history`,
        tag,
        summary: `Uptime, result counts and latency percentiles of a ${subject} over the last 24 hours, 7, 30 and 90 days (from its roll-ups)`,
        params: idParamsSchema,
        response: uptimeSchema,
        handle: async ({ params: { id } }) => ({ windows: await options.reader.uptime(subject, id) }),
      }),
    );
    router.json(
      defineRoute({
        method: 'get',
        path: `/${plural}/{id}/series`,
        access: 'viewer',
        action: `read ${subject} history`,
        tag,
        summary: `Uptime, result counts and latency percentiles of a ${subject} per hour or UTC day`,
        params: idParamsSchema,
        query: z.strictObject({
          bucket: z.enum(['hour', 'day']).optional().meta({ description: 'hour (default; hourly roll-ups, kept 90 days by default) or day (daily roll-ups, kept 2 years)' }),
          since: epochMsParameter('From the bucket holding this time (default: 24 hours ago for hours, 30 days ago for days)'),
          until: epochMsParameter('To the bucket holding this time (default: now)'),
        }),
        response: seriesSchema,
        errors: ['INVALID_REQUEST'],
        handle: async ({ params: { id }, query }) => {
          const bucket = query.bucket ?? 'hour';
          const until = query.until ?? options.clock();
          const since = query.since ?? until - DEFAULT_SERIES_MS[bucket];
          if (since > until) throw new HttpRequestError('INVALID_REQUEST', 'query parameter since: after until');
          if (until - since > MAX_SERIES_MS[bucket]) throw new HttpRequestError('INVALID_REQUEST', `query parameter since: at most ${MAX_SERIES_MS[bucket] / DAY_MS} days of ${bucket}s in one series`);
          return { bucket, points: await options.reader.series(subject, id, bucket, since, until) };
        },
      }),
    );
  }

  router.json(
    defineRoute({
      method: 'get',
      path: '/checks/{id}/results',
      access: 'viewer',
      action: 'read check history',
      tag: 'Satellites',
      summary: "A check's stored results, newest first, with each failure's cause and the phase timings",
      params: idParamsSchema,
      query: z.strictObject({
        ...pageQueryShape,
        since: epochMsParameter('Executed at or after'),
        until: epochMsParameter('Executed at or before'),
        status: z.enum(['up', 'down']).optional().meta({ description: 'Only successes (up) or failures (down)' }),
      }),
      response: pageSchema(checkResultItemSchema, 'StoredCheckResultPage'),
      errors: ['INVALID_REQUEST'],
      handle: async ({ params: { id }, query }) => {
        const position = decodeCursor(query.cursor, 'executedAt', 2);
        if (position && (typeof position[0] !== 'number' || typeof position[1] !== 'string')) {
          throw new HttpRequestError('INVALID_REQUEST', "query parameter cursor: not a cursor of this list (use the previous page's next)");
        }
        const result = await options.queries.results({
          checkId: id,
          ...(query.since !== undefined ? { since: query.since } : {}),
          ...(query.until !== undefined ? { until: query.until } : {}),
          ...(query.status ? { success: query.status === 'up' } : {}),
          ...(position ? { after: { executedAt: position[0] as number, source: position[1] as string } } : {}),
          limit: query.limit ?? 50,
        });
        return pageOf({ rows: result.rows.map((row) => ({ row, position: [row.executedAt, row.source] })), more: result.more }, 'executedAt', ({ row }) => resultItem(row));
      },
    }),
  );
}

function resultItem(row: StoredCheckResult): z.output<typeof checkResultItemSchema> {
  const failed = row.errorKind !== null || row.errorMessage !== null || row.errorCode !== null;
  return {
    checkId: row.checkId,
    systemId: row.systemId,
    source: row.source,
    resultId: row.resultId,
    executedAt: row.executedAt,
    status: row.success ? 'up' : 'down',
    latencyMs: row.latencyMs,
    error: failed ? { kind: (row.errorKind as z.output<typeof checkErrorKindSchema> | null) ?? null, message: row.errorMessage, code: row.errorCode } : null,
    timings: row.timings,
    measured: row.measured,
  };
}
