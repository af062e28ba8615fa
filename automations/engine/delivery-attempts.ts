import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { toStorableText } from '../../machines/index.ts';
import type { DeliveryRecord, DeliveryStatus, DeliveryStore } from '../../persistence/index.ts';
import type { ActionContext, ActionProvider, DeliverySpec, RetryPolicy } from '../actions/action-provider.ts';
import { retryDelayMs } from '../actions/delivery-retry.ts';

/** A lease outlives the attempt's own time limit by this much before another node may write it off. */
export const ATTEMPT_LEASE_MARGIN_MS = 30_000;
/** An attempt is aborted this long after its action's own timeout (a connect, a TLS handshake and a send each have it). */
export const ATTEMPT_GRACE_MS = 5_000;
/** Characters of an attempt's error kept in the log. */
export const MAX_ATTEMPT_ERROR_CHARS = 2_000;
/** Written on an attempt whose node stopped before it ended. */
export const ABANDONED_ATTEMPT_ERROR = 'no outcome: the node making this attempt stopped before it ended';

/** The delivery id of a step: `dlv_` and 32 hex digits of the SHA-256 of its idempotency key (`<runId>:<step path>`). */
export function deliveryIdOf(idempotencyKey: string): string {
  return `dlv_${createHash('sha256').update(idempotencyKey, 'utf8').digest('hex').slice(0, 32)}`;
}

/** What a delivery request stores to be made again later: the config as rendered, secret references unresolved. */
export interface DeliveryRequest {
  version: number;
  config: Record<string, unknown>;
  idempotencyKey: string;
}

/** An action that delivers, with its parsed config (secrets resolved) and what it needs to run. */
export interface PreparedDelivery {
  provider: ActionProvider & { delivery: DeliverySpec };
  /** The config version `config` was parsed with. */
  version: number;
  config: Record<string, unknown>;
  /** Masks the secret values resolved into `config`. */
  maskSecrets(text: string): string;
  /** The action's context, but for `delivery` and `signal` (set per attempt). */
  context: Omit<ActionContext, 'delivery' | 'signal'>;
  /** Aborts the attempt besides its own time limit (the step's), if given. */
  signal?: AbortSignal;
}

/** How one attempt ended. */
export interface AttemptResult {
  attempt: number;
  delivered: boolean;
  responseCode: number | null;
  error: string | null;
  permanent: boolean;
  output?: unknown;
}

/** What a visit of a delivery step found or did. */
export type DeliveryVisit =
  | { kind: 'delivered'; delivery: DeliveryRecord; attempt: number; responseCode: number | null; output?: unknown }
  /** Not delivered yet: the next attempt is due at `retryAt`. `attempt` is the one just made, null when none was due. */
  | { kind: 'retry'; delivery: DeliveryRecord; attempt: number | null; retryAt: number; responseCode: number | null; error: string | null }
  | { kind: 'dead'; delivery: DeliveryRecord; attempt: number; responseCode: number | null; error: string };

/** An attempt is in flight elsewhere, or another node claimed it first: try the step again later. */
export class DeliveryBusyError extends Error {
  constructor(deliveryId: string) {
    super(`delivery ${deliveryId}: another attempt is in flight; tried again later`);
    this.name = 'DeliveryBusyError';
  }
}

/** Told how each attempt ended (metrics): the action, and `delivered`, `failed` (retried later) or `dead`. */
export interface DeliveryAttemptObserver {
  attempted(action: string, outcome: 'delivered' | 'failed' | 'dead', seconds: number): void;
}

/**
 * Makes the attempts of deliveries, each recorded in the delivery log before it starts
 * (`sending`, with a lease) and after it ends. The delivery's state lives in the log, not in the
 * run, so a step executed again (a redelivered message, another node after a crash) neither
 * repeats an attempt that succeeded nor makes one before it is due.
 */
export class DeliveryAttempts {
  private readonly random: () => number;

  constructor(
    private readonly store: DeliveryStore,
    private readonly clock: () => number,
    random?: () => number,
    private readonly observer?: DeliveryAttemptObserver,
  ) {
    this.random = random ?? Math.random;
  }

  /**
   * One visit of a delivery step of a run: opens the delivery (first visit), then unless it is
   * delivered or dead already, makes the next attempt when it is due. A failed attempt with
   * attempts left schedules the next one (`retry`); a permanent failure or the last attempt makes
   * the delivery `dead`. Rejects with `DeliveryBusyError` when an attempt is in flight elsewhere,
   * and with the store's error when the log cannot be written: the step is then retried.
   */
  async visit(prepared: PreparedDelivery, step: { runId: string; automationId: string; path: string; request: DeliveryRequest }): Promise<DeliveryVisit> {
    const { provider, config } = prepared;
    const policy = provider.delivery.policy(config);
    const id = deliveryIdOf(step.request.idempotencyKey);
    let delivery = await this.store.open(
      {
        id,
        runId: step.runId,
        automationId: step.automationId,
        stepPath: step.path,
        action: provider.id,
        target: toStorableText(prepared.maskSecrets(provider.delivery.target(config)), 500),
        maxAttempts: policy.maxAttempts,
        request: { ...step.request },
      },
      this.clock(),
    );
    delivery = await this.writeOffAbandoned(delivery);
    if (delivery.status === 'delivered') return { kind: 'delivered', delivery, attempt: delivery.attempts, responseCode: delivery.lastResponseCode };
    if (delivery.status === 'dead') return { kind: 'dead', delivery, attempt: delivery.attempts, responseCode: delivery.lastResponseCode, error: delivery.lastError ?? 'dead' };
    if (delivery.nextAttemptAt !== null && delivery.nextAttemptAt > this.clock()) {
      return { kind: 'retry', delivery, attempt: null, retryAt: delivery.nextAttemptAt, responseCode: delivery.lastResponseCode, error: delivery.lastError };
    }
    const result = await this.attempt(delivery, prepared, 'automation', (outcome) => {
      if (outcome.delivered) return { status: 'delivered', nextAttemptAt: null };
      if (outcome.permanent || outcome.attempt >= delivery.maxAttempts) return { status: 'dead', nextAttemptAt: null };
      return { status: 'pending', nextAttemptAt: this.clock() + retryDelayMs(policy, outcome.attempt, this.random) };
    });
    const after = (await this.store.find(id)) ?? delivery;
    if (result.delivered) return { kind: 'delivered', delivery: after, attempt: result.attempt, responseCode: result.responseCode, output: result.output };
    if (after.status === 'dead') return { kind: 'dead', delivery: after, attempt: result.attempt, responseCode: result.responseCode, error: result.error ?? 'failed' };
    return { kind: 'retry', delivery: after, attempt: result.attempt, retryAt: after.nextAttemptAt ?? this.clock(), responseCode: result.responseCode, error: result.error };
  }

  /**
   * One more attempt of a `dead` delivery, made for `madeBy` (an operator): delivered, or still
   * dead. `prepare` builds the action from the stored request; when it throws (a secret no longer
   * defined, a config the action refuses now) that is the attempt's error.
   */
  async retryDead(delivery: DeliveryRecord, madeBy: string, prepare: () => PreparedDelivery): Promise<AttemptResult> {
    const current = await this.writeOffAbandoned(delivery);
    if (current.status !== 'dead' || (current.leaseUntil !== null && current.leaseUntil >= this.clock())) throw new DeliveryBusyError(current.id);
    return this.attempt(current, prepare, madeBy, (outcome) => ({ status: outcome.delivered ? 'delivered' : 'dead', nextAttemptAt: null }));
  }

  /** An attempt left `sending` by a node that stopped (its lease is over) becomes failed, or dead if it was the last. */
  private async writeOffAbandoned(delivery: DeliveryRecord): Promise<DeliveryRecord> {
    if (delivery.leaseUntil === null) return delivery;
    if (delivery.leaseUntil >= this.clock()) throw new DeliveryBusyError(delivery.id);
    const dead = delivery.status === 'dead' || delivery.attempts >= delivery.maxAttempts;
    await this.store.abandonAttempt(delivery.id, delivery.attempts, ABANDONED_ATTEMPT_ERROR, dead, this.clock());
    return (await this.store.find(delivery.id)) ?? delivery;
  }

  /** Claims the next attempt, makes it and records how it ended; `next` decides the delivery's state after it. */
  private async attempt(
    delivery: DeliveryRecord,
    prepared: PreparedDelivery | (() => PreparedDelivery),
    madeBy: string,
    next: (outcome: AttemptResult) => { status: DeliveryStatus; nextAttemptAt: number | null },
  ): Promise<AttemptResult> {
    let ready: PreparedDelivery | undefined;
    let preparationError: unknown;
    try {
      ready = typeof prepared === 'function' ? prepared() : prepared;
    } catch (error) {
      preparationError = error;
    }
    const limitMs = (ready ? ready.provider.delivery.timeoutMs(ready.config) : 0) + ATTEMPT_GRACE_MS;
    const startedAt = this.clock();
    const attempt = await this.store.claimAttempt({ id: delivery.id, status: delivery.status, attempts: delivery.attempts, now: startedAt, leaseUntil: startedAt + limitMs + ATTEMPT_LEASE_MARGIN_MS, madeBy });
    if (attempt === null) throw new DeliveryBusyError(delivery.id);

    const started = performance.now();
    const outcome: AttemptResult = ready
      ? await this.execute(ready, { id: delivery.id, attempt, createdAt: delivery.createdAt }, limitMs)
      : { attempt, delivered: false, responseCode: null, error: messageOf(preparationError), permanent: true };
    outcome.attempt = attempt;
    if (outcome.error !== null) outcome.error = toStorableText(ready ? ready.maskSecrets(outcome.error) : outcome.error, MAX_ATTEMPT_ERROR_CHARS);
    const state = next(outcome);
    const finished = await this.store.finishAttempt(
      delivery.id,
      attempt,
      {
        status: outcome.delivered ? 'delivered' : state.status === 'dead' ? 'dead' : 'failed',
        responseCode: outcome.responseCode,
        error: outcome.error,
        durationMs: Math.round(performance.now() - started),
        delivery: state,
      },
      this.clock(),
    );
    // Written off meanwhile (it outlived its lease): what happened next is decided from the log.
    if (!finished) throw new DeliveryBusyError(delivery.id);
    this.observer?.attempted(delivery.action, outcome.delivered ? 'delivered' : state.status === 'dead' ? 'dead' : 'failed', (performance.now() - started) / 1000);
    return outcome;
  }

  private async execute(prepared: PreparedDelivery, delivery: NonNullable<ActionContext['delivery']>, limitMs: number): Promise<AttemptResult> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`the attempt took longer than ${limitMs} ms`)), limitMs);
    const signal = prepared.signal ? AbortSignal.any([prepared.signal, controller.signal]) : controller.signal;
    try {
      const result = await prepared.provider.execute(prepared.config, prepared.version, { ...prepared.context, delivery, signal });
      const responseCode = (result.output as { responseCode?: unknown } | undefined)?.responseCode;
      return { attempt: delivery.attempt, delivered: true, responseCode: typeof responseCode === 'number' ? responseCode : null, error: null, permanent: false, output: result.output };
    } catch (error) {
      const failure = error as { responseCode?: unknown; permanent?: unknown };
      return {
        attempt: delivery.attempt,
        delivered: false,
        responseCode: typeof failure.responseCode === 'number' ? failure.responseCode : null,
        error: messageOf(error),
        permanent: failure.permanent === true,
      };
    } finally {
      clearTimeout(timer);
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

export type { RetryPolicy };
