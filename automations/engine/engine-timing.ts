/**
 * How long a trigger event, scope change or run step may stay unacknowledged before JetStream
 * hands it to another node. It bounds how late a step resumes after its node was killed
 * mid-step; handlers that run longer keep it alive with `working()` (bus/consumers.ts).
 */
export const ENGINE_ACK_WAIT_MS = 10_000;

/**
 * Deliveries of one engine message before it is parked. A handler fails when PostgreSQL or the
 * cluster is away; parking then would drop a fire, a step or a deadline for good, so the engine
 * keeps retrying (every 30 s once the backoff is at its cap) for well over an hour of outage.
 * A message that can never succeed (it fails validation) is parked at once regardless.
 */
export const ENGINE_MAX_DELIVERIES = 200;
