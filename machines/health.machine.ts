import { assign, setup } from 'xstate';
import { z } from 'zod';
import { truncateText } from '../protocol/storable-text.ts';
import { defineEntity, type Timed } from './entity-definition.ts';
import type { EntityInput } from './shared-schemas.ts';

/**
 * The health of one system, aggregated from check results per (check, source). The entity id is
 * the systemId. It exists from its first event: the initial state is healthy with no checks.
 * XState states mirror `status`. Counters are capped at the thresholds, so a steady stream of
 * identical results without `executedAt` yields equal states (no-ops for the runtime).
 *
 * Results that carry `executedAt` are ordered per (check, source): one executed at or before the
 * newest applied result of its key is a duplicate or arrived late, and is ignored. That makes
 * results idempotent whichever node or connection delivers them, durably (the watermark is part
 * of the stored state), and lets many results travel in one `check_results` event.
 *
 * v2: `check_results` (a batch) and the per-key `lastResultAt` watermark. A v1 snapshot has no
 * watermark and is read as "nothing applied yet".
 */
export const healthMachineVersion = 2;

export const healthStatusSchema = z.enum(['healthy', 'degraded', 'unhealthy']);
export type HealthStatus = z.infer<typeof healthStatusSchema>;

const thresholdSchema = z.number().int().min(1).max(1000);
/** Consecutive results needed to change a check's status (defaults: 1, 2, 5). */
export const healthThresholdsSchema = z.object({
  healthyAfter: thresholdSchema.default(1),
  degradedAfter: thresholdSchema.default(2),
  unhealthyAfter: thresholdSchema.default(5),
});
export type HealthThresholds = z.output<typeof healthThresholdsSchema>;

/** Check ids may not hold `@`: the check key `<checkId>@<source>` splits at its first `@`. */
const checkIdSchema = z.string().min(1).max(128).regex(/^[^@]+$/, 'check ids may not contain "@"');
const sourceSchema = z.string().min(1).max(128);

/** One check result, as a `check_result` event or an element of `check_results`. */
const checkResultFields = {
  checkId: checkIdSchema,
  source: sourceSchema,
  success: z.boolean(),
  /** Epoch ms when the check ran. With it, results of one key apply in order and at most once. */
  executedAt: z.number().int().nonnegative().optional(),
  /** The producer's id of the result; carried in the stored event for tracing, never in the state. */
  resultId: z.string().max(128).optional(),
  /** Carried for logs and the transition's cause; never part of the state. */
  message: z.string().max(10_000).optional(),
  // prefault, not default: an absent object is parsed, so the inner defaults apply.
  thresholds: healthThresholdsSchema.prefault({}),
};

/** Most results one `check_results` event may carry. */
export const MAX_RESULTS_PER_EVENT = 500;

/** Characters of a failure's text kept in a stored health event (the full text is in the check history). */
export const RESULT_MESSAGE_LIMIT = 500;

/**
 * One element of a `check_results` event, as Vigil's producers (the satellite gateway, push
 * monitors) send it: a failure's text cut to `RESULT_MESSAGE_LIMIT`, no thresholds (the defaults).
 */
export function checkResultEntry(result: { checkId: string; source: string; success: boolean; executedAt: number; resultId: string; failure?: string | undefined }) {
  return {
    checkId: result.checkId,
    source: result.source,
    success: result.success,
    executedAt: result.executedAt,
    resultId: result.resultId,
    ...(result.failure ? { message: truncateText(result.failure, RESULT_MESSAGE_LIMIT) } : {}),
  };
}

export const healthEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('check_result'), ...checkResultFields }),
  /** Several results applied in order in one transition (how the satellite gateway delivers them). */
  z.object({ type: z.literal('check_results'), results: z.array(z.object(checkResultFields)).min(1).max(MAX_RESULTS_PER_EVENT) }),
  /** Removes one (check, source) key, or every source of the check when `source` is absent. */
  z.object({ type: z.literal('check_removed'), checkId: checkIdSchema, source: sourceSchema.optional() }),
]);
export type HealthEvent = Timed<z.output<typeof healthEventSchema>>;

export const checkHealthSchema = z.object({
  checkId: z.string(),
  source: z.string(),
  status: healthStatusSchema,
  consecutiveSuccesses: z.number().int().nonnegative(),
  consecutiveFailures: z.number().int().nonnegative(),
  /** `executedAt` of the newest result applied; older or equal ones are ignored. */
  lastResultAt: z.number().int().nonnegative().optional(),
});
export type CheckHealth = z.infer<typeof checkHealthSchema>;

export const healthStateSchema = z.object({
  systemId: z.string(),
  status: healthStatusSchema,
  healthyChecks: z.number().int().nonnegative(),
  totalChecks: z.number().int().nonnegative(),
  /** Keyed by `<checkId>@<source>`. */
  checks: z.record(z.string(), checkHealthSchema),
});
export type HealthState = z.infer<typeof healthStateSchema>;

export interface HealthContext extends HealthState {}

/** The key of one (check, source) pair in `checks`. */
export function checkKey(checkId: string, source: string): string {
  return `${checkId}@${source}`;
}

const rank: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };
const worse = (a: HealthStatus, b: HealthStatus): HealthStatus => (rank[b] > rank[a] ? b : a);

/** A result as the reducer needs it. */
export interface CheckResult {
  checkId: string;
  source: string;
  success: boolean;
  executedAt?: number | undefined;
  thresholds: HealthThresholds;
}

/**
 * One result applied to one check. A success never worsens the status and a failure never
 * improves it (an unhealthy check failing again after one success stays unhealthy). A result
 * not newer than the check's watermark changes nothing (same object back).
 */
export function applyCheckResult(check: CheckHealth | undefined, event: CheckResult): CheckHealth {
  if (check?.lastResultAt !== undefined && event.executedAt !== undefined && event.executedAt <= check.lastResultAt) return check;
  const { healthyAfter, degradedAfter, unhealthyAfter } = event.thresholds;
  const prev = check ?? {
    checkId: event.checkId,
    source: event.source,
    status: 'healthy' as const,
    consecutiveSuccesses: 0,
    consecutiveFailures: 0,
  };
  const watermark = event.executedAt === undefined ? {} : { lastResultAt: event.executedAt };
  if (event.success) {
    const successes = Math.min(prev.consecutiveSuccesses + 1, healthyAfter);
    const status = successes >= healthyAfter ? 'healthy' : prev.status;
    return { ...prev, status, consecutiveSuccesses: successes, consecutiveFailures: 0, ...watermark };
  }
  const failures = Math.min(prev.consecutiveFailures + 1, Math.max(degradedAfter, unhealthyAfter));
  const reached = failures >= unhealthyAfter ? 'unhealthy' : failures >= degradedAfter ? 'degraded' : 'healthy';
  return { ...prev, status: worse(prev.status, reached), consecutiveSuccesses: 0, consecutiveFailures: failures, ...watermark };
}

function aggregate(context: HealthContext, checks: Record<string, CheckHealth>): HealthContext {
  const all = Object.values(checks);
  return {
    ...context,
    checks,
    status: all.reduce<HealthStatus>((acc, check) => worse(acc, check.status), 'healthy'),
    healthyChecks: all.filter((check) => check.status === 'healthy').length,
    totalChecks: all.length,
  };
}

/** Pure reducer over every health event. */
function apply(context: HealthContext, event: HealthEvent): HealthContext {
  if (event.type === 'check_result' || event.type === 'check_results') {
    const results = event.type === 'check_result' ? [event] : event.results;
    const checks = { ...context.checks };
    for (const result of results) {
      const key = checkKey(result.checkId, result.source);
      checks[key] = applyCheckResult(checks[key], result);
    }
    return aggregate(context, checks);
  }
  const kept = Object.entries(context.checks).filter(
    ([, check]) => !(check.checkId === event.checkId && (event.source === undefined || check.source === event.source)),
  );
  return aggregate(context, Object.fromEntries(kept));
}

/**
 * `apply` for the guards and the action of one transition: the three guards and the action are
 * called with the same context and event objects, so the result (for a batch, up to 500
 * results) is computed once instead of four times.
 */
let lastApplied: { context: HealthContext; event: HealthEvent; next: HealthContext } | undefined;
function applyOnce(context: HealthContext, event: HealthEvent): HealthContext {
  if (lastApplied?.context !== context || lastApplied.event !== event) lastApplied = { context, event, next: apply(context, event) };
  return lastApplied.next;
}

// Every event is accepted in every state; one guarded transition per resulting status picks the target.
const toStatus = healthStatusSchema.options.map((status) => ({
  guard: { type: 'leadsTo' as const, params: { status } },
  target: `.${status}`,
  actions: 'apply' as const,
}));

export const healthMachine = setup({
  types: {} as { context: HealthContext; events: HealthEvent; input: EntityInput },
  guards: {
    leadsTo: ({ context, event }, params: { status: HealthStatus }) => applyOnce(context, event).status === params.status,
  },
  actions: {
    apply: assign(({ context, event }) => applyOnce(context, event)),
  },
}).createMachine({
  id: 'health',
  context: ({ input }) => ({ systemId: input.id, status: 'healthy', healthyChecks: 0, totalChecks: 0, checks: {} }),
  initial: 'healthy',
  on: { check_result: toStatus, check_results: toStatus, check_removed: toStatus },
  states: { healthy: {}, degraded: {}, unhealthy: {} },
});

/** Health entities: the reactive state always exists (never null); no timers. */
export const healthDefinition = defineEntity({
  kind: 'health',
  machine: healthMachine,
  machineVersion: healthMachineVersion,
  eventSchema: healthEventSchema,
  internalEventTypes: [],
  stateSchema: healthStateSchema,
  toState: (snapshot) => ({ ...snapshot.context }),
  timers: () => [],
});
