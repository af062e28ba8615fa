import { z } from 'zod';
import { durationSchema } from '../expressions/index.ts';
import type { RetryPolicy } from './action-provider.ts';

/** Bounds of a step's retry policy: enough to ride out an outage of minutes, never a run held for days. */
export const MAX_DELIVERY_ATTEMPTS = 10;
export const MIN_RETRY_DELAY_MS = 100;
export const MAX_INITIAL_RETRY_DELAY_MS = 60 * 60_000;
export const MAX_RETRY_DELAY_MS = 6 * 60 * 60_000;

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, initialDelayMs: 30_000, maxDelayMs: 10 * 60_000 };

const delay = (max: number, what: string) =>
  durationSchema.pipe(
    z
      .number()
      .min(MIN_RETRY_DELAY_MS, { message: `${what} is at least ${MIN_RETRY_DELAY_MS} ms` })
      .max(max, { message: `${what} is at most ${max / 60_000} minutes` }),
  );

/**
 * `retry` of a delivery step: `max_attempts` (1–10, default 5, the first attempt included),
 * `initial_delay` (default 30s, 100ms–1h) before the second attempt, doubling after each further
 * failure up to `max_delay` (default 10m, at most 6h); each wait is drawn between half and all of
 * that (jitter), so receivers coming back are not hit by every sender at once.
 */
export const deliveryRetrySchema = z
  .strictObject({
    max_attempts: z.number().int().min(1).max(MAX_DELIVERY_ATTEMPTS).default(DEFAULT_RETRY_POLICY.maxAttempts),
    initial_delay: delay(MAX_INITIAL_RETRY_DELAY_MS, 'initial_delay').default(DEFAULT_RETRY_POLICY.initialDelayMs),
    max_delay: delay(MAX_RETRY_DELAY_MS, 'max_delay').default(DEFAULT_RETRY_POLICY.maxDelayMs),
  })
  .refine((retry) => retry.max_delay >= retry.initial_delay, { message: 'max_delay must not be shorter than initial_delay', path: ['max_delay'] })
  .prefault({});

export type DeliveryRetryConfig = z.output<typeof deliveryRetrySchema>;

/** The policy of a parsed `retry`. */
export function retryPolicyOf(retry: DeliveryRetryConfig): RetryPolicy {
  return { maxAttempts: retry.max_attempts, initialDelayMs: retry.initial_delay, maxDelayMs: retry.max_delay };
}

/**
 * How long to wait after failed attempt `attempt` (1 = the first) before the next: the initial
 * delay doubled per earlier failure, capped at the maximum, then a random point between half and
 * all of it ("equal jitter"). Never below `MIN_RETRY_DELAY_MS`.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(MIN_RETRY_DELAY_MS, Math.round(exponential / 2 + (exponential / 2) * random()));
}
