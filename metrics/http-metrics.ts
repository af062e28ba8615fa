import { Histogram, type Registry } from 'prom-client';
import type { AnsweredRequest, HttpObserver } from '../gateway/index.ts';
import { TallyCounter, type Tally } from './tally-counter.ts';

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * HTTP: `vigil_http_requests_total{route,method,status}` and
 * `vigil_http_request_duration_seconds{route,method}`. `route` is the registered pattern
 * (`/entities/{kind}/{id}`, as in the OpenAPI document), `unmatched` for a path no route serves, so the label set is bounded
 * by the routes, not by what clients send. Children are looked up once per route (and status).
 */
export function httpMetrics(registry: Registry): HttpObserver {
  const requests = new TallyCounter(registry, { name: 'vigil_http_requests_total', help: 'HTTP requests answered, by route pattern, method and status.', labelNames: ['route', 'method', 'status'] });
  const duration = new Histogram({ name: 'vigil_http_request_duration_seconds', help: 'Time from a request to its answer, by route pattern and method, seconds.', labelNames: ['route', 'method'], buckets: DURATION_BUCKETS, registers: [registry] });
  return {
    route(method: string, route: string): AnsweredRequest {
      const timing = duration.labels(route, method);
      const byStatus = new Map<number, Tally>();
      return (status, seconds) => {
        let answered = byStatus.get(status);
        if (!answered) byStatus.set(status, (answered = requests.tally(route, method, String(status))));
        answered.count++;
        timing.observe(seconds);
      };
    },
  };
}
