import type { Logger } from 'pino';
import { z } from 'zod';
import type { DeliveryRecord, DeliveryStore } from '../../persistence/index.ts';
import { PermanentActionError, type ActionContext, type ActionProvider } from '../actions/action-provider.ts';
import { resolveSecrets, SecretMasker } from '../expressions/index.ts';
import { DeliveryAttempts, type DeliveryAttemptObserver, DeliveryBusyError, type AttemptResult, type PreparedDelivery } from './delivery-attempts.ts';

const storedRequestSchema = z.object({ version: z.number().int().positive(), config: z.record(z.string(), z.unknown()), idempotencyKey: z.string().min(1) });

/** Why an operator's retry was refused. */
export class DeliveryRetryError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'CONFLICT',
    message: string,
  ) {
    super(message);
    this.name = 'DeliveryRetryError';
  }
}

/**
 * Retries dead deliveries for operators (`POST /deliveries/{id}/retry`, `vigil deliveries retry`):
 * one attempt per call, made from the delivery's stored request with the node's secrets of now
 * (so a rotated webhook URL or password is used), logged like the automation's attempts with the
 * operator as `madeBy`. The run is not touched: it ended or went on long ago.
 */
export class DeliveryRetrier {
  private readonly attempts: DeliveryAttempts;

  constructor(
    private readonly options: {
      store: DeliveryStore;
      actions: ReadonlyMap<string, ActionProvider>;
      /** The value of secret NAME, or undefined when there is none. */
      secret: (name: string) => string | undefined;
      log: Logger;
      clock: () => number;
      /** Whether the run has ended (or is gone): its pending deliveries are then left behind. */
      runEnded: (runId: string) => Promise<boolean>;
      /** Told how each attempt ended (metrics). */
      observer?: DeliveryAttemptObserver;
    },
  ) {
    this.attempts = new DeliveryAttempts(options.store, options.clock, undefined, options.observer);
  }

  /**
   * Makes one more attempt of the dead delivery `id` for `madeBy` (`token:<name>`). Resolves the
   * attempt's result and the delivery after it: `delivered`, or still `dead`. Rejects with
   * `DeliveryRetryError`: `NOT_FOUND`, or `CONFLICT` when it is not dead (delivered, or still
   * being attempted by its run) or another attempt of it is in flight.
   */
  async retry(id: string, madeBy: string): Promise<{ attempt: AttemptResult; delivery: DeliveryRecord }> {
    let delivery = await this.options.store.find(id);
    if (!delivery) throw new DeliveryRetryError('NOT_FOUND', `no delivery "${id}"`);
    // Left pending by a run that ended while an attempt of it was in flight: dead, like the others.
    if (delivery.status === 'pending' && (delivery.leaseUntil === null || delivery.leaseUntil < this.options.clock()) && (await this.options.runEnded(delivery.runId))) {
      await this.options.store.settleRun(delivery.runId, 'the run ended before the delivery was done', this.options.clock());
      delivery = (await this.options.store.find(id)) ?? delivery;
    }
    if (delivery.status === 'delivered') throw new DeliveryRetryError('CONFLICT', `delivery ${id} is delivered already`);
    if (delivery.status === 'pending') throw new DeliveryRetryError('CONFLICT', `delivery ${id} is still being attempted by its run (attempt ${delivery.attempts} of ${delivery.maxAttempts}); only a dead delivery can be retried`);
    let attempt: AttemptResult;
    try {
      attempt = await this.attempts.retryDead(delivery, madeBy, () => this.prepare(delivery));
    } catch (error) {
      if (error instanceof DeliveryBusyError) throw new DeliveryRetryError('CONFLICT', error.message);
      throw error;
    }
    const after = (await this.options.store.find(id)) ?? delivery;
    this.options.log.info({ delivery: id, runId: after.runId, attempt: attempt.attempt, status: after.status, responseCode: attempt.responseCode, by: madeBy }, 'a dead delivery was retried');
    return { attempt, delivery: after };
  }

  /** The action of the stored request, its config rendered back with today's secrets; throws with a masked message. */
  private prepare(delivery: DeliveryRecord): PreparedDelivery {
    const request = storedRequestSchema.safeParse(delivery.request);
    if (!request.success) throw new Error(`the stored request of delivery ${delivery.id} is not readable`);
    const provider = this.options.actions.get(delivery.action);
    if (!provider?.delivery) throw new Error(`this node has no delivery action "${delivery.action}"`);
    const schema = provider.versions[request.data.version];
    if (!schema) throw new Error(`${provider.id} has no config version ${request.data.version}`);
    const resolved = resolveSecrets(request.data.config, this.options.secret);
    const masker = new SecretMasker(resolved.secrets);
    const parsed = schema.safeParse(resolved.value);
    if (!parsed.success) {
      throw new Error(masker.maskText(`config does not match ${provider.id} v${request.data.version}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`));
    }
    const refuse = (what: string) => () => Promise.reject(new PermanentActionError(`${what} is not available to a delivery retried by an operator`));
    const log = this.options.log.child({ delivery: delivery.id });
    const maskedLog = (level: 'debug' | 'info' | 'warn' | 'error') => (fields: Record<string, unknown>, message: string) => log[level](masker.mask(fields) as Record<string, unknown>, masker.maskText(message));
    const context: Omit<ActionContext, 'delivery' | 'signal'> = {
      runId: delivery.runId,
      automationId: delivery.automationId,
      idempotencyKey: request.data.idempotencyKey,
      artifacts: {},
      dispatch: refuse('changing entities'),
      read: refuse('reading entities'),
      latestId: refuse('reading entities'),
      log: { debug: maskedLog('debug'), info: maskedLog('info'), warn: maskedLog('warn'), error: maskedLog('error') },
      maskSecrets: (text) => masker.maskText(text),
    };
    return { provider: provider as PreparedDelivery['provider'], version: request.data.version, config: parsed.data, maskSecrets: context.maskSecrets, context };
  }
}
