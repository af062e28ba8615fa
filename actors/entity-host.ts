import type { AnyMachineSnapshot } from 'xstate';
import type { ChangeCause, EntityChange, EntityDefinition, ReactiveState } from '../machines/index.ts';

/** One event waiting in an entity's mailbox, with the promise of its caller. */
export interface Delivery {
  event: { type: string };
  cause: Omit<ChangeCause, 'event'>;
  /** Runtime-only event (a timer): a refusal resolves null instead of rejecting. */
  internal: boolean;
  resolve: (change: EntityChange | null) => void;
  reject: (error: unknown) => void;
}

/**
 * A hot entity: the actor's committed snapshot and version, and its mailbox. Events run in
 * arrival order, one batch at a time: whatever queued up while the previous batch was being
 * committed is applied one event after another and committed together (so a busy entity is not
 * limited to one database round trip per event). The snapshot only ever holds committed state:
 * transitions are computed, committed, and only then adopted (write-ahead), so a failed commit
 * leaves the actor as it was.
 */
export class EntityHost {
  /** Set when the stored row may differ from this copy (lost a version check, commit outcome unknown). */
  stale = false;
  lastUsedAt = Date.now();
  private readonly inbox: Delivery[] = [];
  private running = false;

  constructor(
    readonly definition: EntityDefinition,
    readonly id: string,
    /** The entity's partition (placement unit: one owner node at a time). */
    readonly partition: number,
    public snapshot: AnyMachineSnapshot,
    public version: number,
    /** The stored reactive state (null before the first transition and after delete). */
    public state: ReactiveState,
    /** JSON of the timers stored for this version, to write timer rows only when they change. */
    public timersJson: string,
    /** Processes one batch of deliveries; must settle every one of them. */
    private readonly process: (host: EntityHost, batch: Delivery[]) => Promise<void>,
    private readonly maxBatch = 100,
  ) {}

  get kind(): string {
    return this.definition.kind;
  }

  /** True when nothing is queued or being processed. */
  get idle(): boolean {
    return !this.running && this.inbox.length === 0;
  }

  post(delivery: Delivery): void {
    this.inbox.push(delivery);
    this.lastUsedAt = Date.now();
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.inbox.length > 0) {
        const batch = this.inbox.splice(0, this.maxBatch);
        await this.process(this, batch).catch((error) => batch.forEach((delivery) => delivery.reject(error)));
      }
    } finally {
      this.running = false;
      this.lastUsedAt = Date.now();
    }
  }
}
