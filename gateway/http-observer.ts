/**
 * Counts HTTP requests without the gateway knowing how (metrics/http-metrics.ts implements it).
 * `route` is asked once per route when it is registered; the function it returns is called once
 * per answered request, so nothing is looked up or allocated per request.
 */
export interface HttpObserver {
  /** `method` in upper case (GET, POST, PUT, DELETE); `route` the pattern (`/entities/:kind/:id`), never the raw path. */
  route(method: string, route: string): AnsweredRequest;
}

/** One request answered with `status` after `seconds` (from the handler's start to the write). */
export type AnsweredRequest = (status: number, seconds: number) => void;

/** The route label of requests no route matched (404). */
export const UNMATCHED_ROUTE = 'unmatched';
