/**
 * How long a trigger event, scope change or run step may stay unacknowledged before JetStream
 * hands it to another node. It bounds how late a step resumes after its node was killed
 * mid-step; handlers that run longer keep it alive with `working()` (bus/consumers.ts).
 */
export const ENGINE_ACK_WAIT_MS = 10_000;
