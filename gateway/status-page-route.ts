import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { StatusPageQueryInput, StatusPageRows } from '../persistence/index.ts';
import type { ApiRouter } from './api-router.ts';
import { errorSchema } from './api-schemas.ts';
import { SafeResponse } from './http-response.ts';
import { buildStatusPage, RESOLVED_INCIDENTS_SHOWN_MS, STATUS_PAGE_LIST_LIMIT, statusPageSchema, uptimeWindow } from './status-page.ts';

export interface StatusPageOptions {
  title: string;
  /** Groups shown, in order; empty: the page is disabled and the database is never read for it. */
  groupIds: string[];
  /** The document is computed at most once per this many ms on this node; also the `max-age`. */
  cacheMs: number;
  /** Reads the page's rows (the node's `StatusPageQuery`). */
  read: (input: StatusPageQueryInput) => Promise<StatusPageRows>;
  /** Epoch ms on the cluster's clock: `generatedAt` and the UTC days. */
  clock: () => number;
  log: Logger;
}

/** A computed document as served: its exact bytes and their ETag. */
export interface CachedStatusPage {
  body: string;
  etag: string;
}

/**
 * The status page document, computed at most once per `cacheMs` on this node however many
 * requests arrive: requests while a computation runs wait for it, requests within the period get
 * the last result. A failed computation also counts as the period's attempt (a flood during a
 * database outage does not hammer it); until the next attempt the last good document is served,
 * or, when there is none, `get` resolves undefined.
 */
export class StatusPageCache {
  private last: CachedStatusPage | undefined;
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<CachedStatusPage | undefined> | undefined;
  /** Computations started (for tests and logs). */
  computations = 0;

  constructor(private readonly options: StatusPageOptions) {}

  get(): Promise<CachedStatusPage | undefined> {
    if (this.inFlight) return this.inFlight;
    // Local monotonic time: a step of the wall clock must not stretch or shorten the period.
    if (performance.now() - this.attemptedAt < this.options.cacheMs) return Promise.resolve(this.last);
    this.attemptedAt = performance.now();
    this.computations += 1;
    this.inFlight = this.compute()
      .then(
        (page) => (this.last = page),
        (error: unknown) => {
          this.options.log.warn({ err: error }, 'the status page could not be computed; serving the last one, if any');
          return this.last;
        },
      )
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  private async compute(): Promise<CachedStatusPage> {
    const { title, groupIds } = this.options;
    const now = this.options.clock();
    const rows = groupIds.length === 0
      ? { groups: [], systems: [], health: [], uptime: [], incidents: [], maintenance: [] }
      : await this.options.read({ groupIds, ...uptimeWindow(now), resolvedSince: now - RESOLVED_INCIDENTS_SHOWN_MS, limit: STATUS_PAGE_LIST_LIMIT });
    // The contract is checked where it leaves: a document that does not match it is not served.
    const body = JSON.stringify(statusPageSchema.parse(buildStatusPage(rows, { title, groupIds, now })));
    return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
  }
}

/**
 * `GET /status.json`, public (no token; docs/PROTOCOL.md, "Status page"): the cached document
 * with `cache-control: public, max-age=<cacheMs/1000>` and a strong ETag; `If-None-Match` with
 * that ETag answers 304 without a body. 503 `UNAVAILABLE` when no document could be computed yet.
 */
export function serveStatusPage(router: ApiRouter, options: StatusPageOptions): StatusPageCache {
  const cache = new StatusPageCache(options);
  const maxAge = Math.floor(options.cacheMs / 1000);
  const route = {
    method: 'get',
    path: '/status.json',
    access: 'public',
    tag: 'Status page',
    summary: 'The public status page document: the configured groups, their systems, open incidents, maintenance and daily uptime',
    description: 'Nothing is shown until VIGIL_STATUS_PAGE_GROUPS names groups. Cached per node for VIGIL_STATUS_PAGE_CACHE_MS; ETag and If-None-Match (304).',
    responses: {
      200: { description: 'The document', contentType: 'application/json', schema: statusPageSchema },
      304: { description: 'Not modified (If-None-Match matched the ETag)' },
      503: { description: 'UNAVAILABLE: no document could be computed yet', contentType: 'application/json', schema: errorSchema },
    },
  } as const;
  router.raw(route, (res, req) => {
    // uWS reuses `req` after this callback returns: read it now.
    const ifNoneMatch = req.getHeader('if-none-match');
    const response = new SafeResponse(res);
    void cache.get().then((page) => {
      if (!page) {
        response.json(503, { error: { code: 'UNAVAILABLE', message: 'the status page is not available right now' } }, { 'cache-control': 'no-store' });
        return;
      }
      const headers = { 'cache-control': `public, max-age=${maxAge}`, etag: page.etag, 'access-control-allow-origin': '*' };
      if (matches(ifNoneMatch, page.etag)) response.send(304, null, headers);
      else response.send(200, page.body, { 'content-type': 'application/json', ...headers });
    });
  });
  return cache;
}

/** `If-None-Match`: `*` or a list of (possibly weak) ETags; weak comparison, as RFC 9110 asks for it. */
function matches(header: string, etag: string): boolean {
  if (header === '') return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}
