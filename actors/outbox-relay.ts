import type { Logger } from 'pino';
import { publishAll, type Bus, type OutgoingMessage } from '../bus/index.ts';
import { deriveTriggers, type EntityChange, type TriggerMessage } from '../machines/index.ts';
import type { OutboxRow, OutboxStore } from '../persistence/index.ts';

const encoder = new TextEncoder();

/** Parked-subject group of changes whose triggers could not be derived. */
export const TRIGGER_DERIVATION_GROUP = 'trigger-derivation';

/**
 * Publishes committed changes (and the triggers they fire) from the outbox to JetStream.
 * A row is deleted only after JetStream acknowledged every message made from it, so a crash or
 * a NATS outage leaves it for the next attempt (by this node or any other); a re-publish is
 * dropped by JetStream's duplicate window (message ids `<kind>:<id>:<version>[:<trigger>]`)
 * and by consumers, which are idempotent by version.
 *
 * Two paths: the committing node publishes its own rows straight from memory right after the
 * commit (`publishCommitted`: no read, no lock, one delete), and a poller claims rows that are
 * older than a grace period with `FOR UPDATE SKIP LOCKED` — rows whose fast path failed (NATS
 * down) or whose node died before publishing.
 */
export class OutboxRelay {
  private running = false;
  private again = false;
  private stopped = false;
  private poller: NodeJS.Timeout | undefined;
  private failures = 0;
  private retry: NodeJS.Timeout | undefined;
  /** Rows published by this relay since start. */
  published = 0;
  /** Changes published without their triggers because a deriver failed on them. */
  triggerFailures = 0;
  /** Fast-path publishes that failed (their rows were left to the poller). */
  fastPathFailures = 0;
  private inFlight = 0;

  constructor(
    private readonly outbox: OutboxStore,
    private readonly bus: Bus,
    private readonly log: Logger,
    private readonly options: {
      pollMs: number;
      batchSize?: number;
      /** The poller leaves rows younger than this to the fast path of the node that wrote them. Default 2 s. */
      graceMs?: number;
      clock?: () => number;
      /** Told how long each fast-path batch took from its commit to JetStream's acknowledgement, in seconds (metrics). */
      onPublished?: (seconds: number) => void;
    },
  ) {}

  start(): void {
    this.poller = setInterval(() => this.wake(), this.options.pollMs);
    this.poller.unref();
    this.wake();
  }

  /**
   * Fast path: publishes rows this node just committed, then deletes them. On failure the rows
   * stay and the poller publishes them once they are older than the grace period.
   */
  publishCommitted(rows: OutboxRow[]): void {
    // While NATS is away, publishing would only wait for its timeout: leave the rows to the poller.
    if (this.stopped || rows.length === 0 || !this.bus.isConnected()) return;
    this.inFlight++;
    const committedAt = performance.now();
    void this.publish(rows)
      .then(() => {
        this.options.onPublished?.((performance.now() - committedAt) / 1000);
        return this.outbox.delete(rows.map((row) => row.id));
      })
      .then(
        () => {
          this.published += rows.length;
        },
        (error) => {
          this.fastPathFailures++;
          this.log.debug({ err: error, rows: rows.length }, 'fast publish failed; the outbox poller will publish these rows');
        },
      )
      .finally(() => this.inFlight--);
  }

  /** Asks the poller for a drain now (rows left by failed fast paths or by other nodes). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.retry) return; // backing off after a failure; the retry timer will drain
    this.running = true;
    void this.drain().finally(() => {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** Publishes until the outbox is empty or `timeoutMs` passed; resolves true if it emptied. */
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    while (Date.now() < deadline) {
      try {
        if ((await this.outbox.relay(this.options.batchSize ?? 500, (rows) => this.publish(rows))) === 0) return true;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    return false;
  }

  stop(): void {
    this.stopped = true;
    if (this.poller) clearInterval(this.poller);
    if (this.retry) clearTimeout(this.retry);
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        this.again = false;
        const createdBefore = (this.options.clock ?? Date.now)() - (this.options.graceMs ?? 2_000);
        const count = await this.outbox.relay(this.options.batchSize ?? 500, (rows) => this.publish(rows), createdBefore);
        this.published += count;
        if (count === 0 && !this.again) break;
      }
      if (this.failures > 0) this.log.info({ afterFailures: this.failures }, 'outbox relay publishing again');
      this.failures = 0;
    } catch (error) {
      this.failures++;
      const delay = Math.min(100 * 2 ** Math.min(this.failures, 6), 5_000);
      if (this.failures === 1 || this.failures % 20 === 0) {
        this.log.warn({ err: error, failures: this.failures, retryInMs: delay }, 'outbox relay cannot publish; changes stay in the outbox');
      }
      this.retry = setTimeout(() => {
        this.retry = undefined;
        this.wake();
      }, delay);
      this.retry.unref();
    }
  }

  private publish(rows: OutboxRow[]): Promise<void> {
    const { subjects } = this.bus;
    const messages: OutgoingMessage[] = [];
    for (const row of rows) {
      const change = row.payload as EntityChange;
      messages.push({
        subject: subjects.entity(row.kind, row.entityId),
        data: encoder.encode(row.payloadJson ?? JSON.stringify(change)),
        messageId: subjects.changeMessageId(row.kind, row.entityId, row.version),
      });
      const triggers = this.triggersOf(change);
      if (triggers === undefined) {
        // Make the gap visible where operators look for undelivered messages.
        messages.push({
          subject: subjects.parked(TRIGGER_DERIVATION_GROUP),
          data: encoder.encode(JSON.stringify(change)),
          messageId: `${TRIGGER_DERIVATION_GROUP}:${subjects.changeMessageId(row.kind, row.entityId, row.version)}`,
        });
      }
      for (const trigger of triggers ?? []) {
        const message: TriggerMessage = {
          ...trigger,
          source: { kind: change.kind, id: change.id, version: change.version },
          at: change.at,
        };
        messages.push({
          subject: subjects.trigger(trigger.trigger),
          data: encoder.encode(JSON.stringify(message)),
          messageId: subjects.triggerMessageId(row.kind, row.entityId, row.version, trigger.trigger),
        });
      }
    }
    return publishAll(this.bus, messages);
  }

  /**
   * Triggers are derived when publishing (they are a pure function of the change). A change a
   * deriver cannot read (e.g. stored by an older machine version) still gets published — without
   * triggers, logged, and parked on `<ns>.parked.trigger-derivation` — rather than blocking every
   * row behind it. Returns undefined in that case.
   */
  private triggersOf(change: EntityChange) {
    try {
      return deriveTriggers(change);
    } catch (error) {
      this.triggerFailures++;
      this.log.error({ err: error, kind: change.kind, id: change.id, version: change.version }, 'cannot derive triggers for a change; published without them and parked');
      return undefined;
    }
  }
}
