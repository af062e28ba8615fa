import * as z from 'zod';
import { authorizeRole } from '../auth/index.ts';
import type { AddressAllowList } from './address-allow-list.ts';
import { answerError } from './http-errors.ts';
import { SafeResponse } from './http-response.ts';
import type { ApiRouter } from './api-router.ts';
import { errorSchema } from './api-schemas.ts';

export interface MetricsRouteOptions {
  /** The exposition text of the node's registry and its content type, gathered now. */
  scrape(): Promise<{ contentType: string; text: string }>;
  /** Peers that may scrape without a token (`VIGIL_METRICS_ALLOW`); empty: a viewer token is always needed. */
  allow: AddressAllowList;
}

const decoder = new TextDecoder();

/**
 * `GET /metrics`: the node's metrics in the Prometheus text format. A peer whose address is in
 * the allow list needs no token; anyone else needs `Authorization: Bearer <token>` of role
 * viewer or higher (401 without a valid one, 403 below viewer), like every other route. The
 * address is the TCP peer's: a proxy in front makes every request come from the proxy.
 */
export function serveMetricsRoute(router: ApiRouter, options: MetricsRouteOptions): void {
  const { context } = router;
  const route = {
    method: 'get',
    path: '/metrics',
    access: 'viewer',
    tag: 'Node',
    summary: "The node's metrics in the Prometheus text format",
    description: 'A viewer token, or none from an address in VIGIL_METRICS_ALLOW. Families: docs/OPERATIONS.md, "Metrics".',
    responses: {
      200: { description: 'The exposition text (format 0.0.4)', contentType: 'text/plain; version=0.0.4; charset=utf-8', schema: z.string() },
      401: { description: 'UNAUTHENTICATED: no valid token and not an allowed address', contentType: 'application/json', schema: errorSchema },
      403: { description: 'FORBIDDEN', contentType: 'application/json', schema: errorSchema },
    },
  } as const;
  router.raw(route, (res, req, answered) => {
    // Both read before the first await: uWS reuses `req` and `res`'s socket data after it.
    const authorization = req.getHeader('authorization');
    const allowed = !options.allow.isEmpty && options.allow.allows(decoder.decode(res.getRemoteAddressAsText()));
    const response = new SafeResponse(res, answered);
    void (async () => {
      try {
        if (!allowed) authorizeRole(await context.authenticator.authenticate(authorization), 'viewer', 'read the metrics');
        const { contentType, text } = await options.scrape();
        response.text(200, contentType, text);
      } catch (error) {
        answerError(response, context.log, error);
      }
    })();
  });
}
