import type { AnyMachineSnapshot } from 'xstate';
import {
  commandIdSchema,
  entityIdSchema,
  entityKinds,
  findUnstorable,
  getEntityDefinition,
  type EntityChange,
  type EntityDefinition,
  type EntityKind,
  type ReactiveState,
} from '../machines/index.ts';
import { PersistenceError, type StoredEntity, type TransitionStore } from '../persistence/index.ts';
import type { CommitBatcher } from './commit-batcher.ts';
import { BatchedLoader } from './batched-loader.ts';
import { EntityHost, type Delivery } from './entity-host.ts';
import { CommitRejectedError, LeaseFencedError, RuntimeError, VersionFencedError } from './errors.ts';
import { stepperFor } from './machine-stepper.ts';
import { planTransitions } from './transition-plan.ts';

/** Who asked for a transition; stored in the change's `cause` with the event type. */
export interface DispatchOptions {
  actor?: string;
  runId?: string;
  /** Reject with TIMEOUT after this long (ms). The event may still commit afterwards. */
  timeoutMs?: number;
  /**
   * Idempotency key: if this entity already committed a command with this id, that change is
   * returned and nothing is applied again — so a sender may retry after TIMEOUT safely.
   */
  commandId?: string;
}

/** An entity as read through the runtime (hot or not). */
export interface EntityView {
  kind: EntityKind;
  id: string;
  /** 0 when nothing was ever committed. */
  version: number;
  state: ReactiveState;
  stateValue: unknown;
}

export interface EntityRuntimeOptions {
  store: TransitionStore;
  batcher: CommitBatcher;
  /**
   * Epoch ms; the only clock. Events are stamped with it before they reach a machine. A node
   * passes the cluster clock's `latest` (see `ClusterClock`): a duration that starts at a stamp is
   * never cut short, whichever node fires it.
   */
  clock?: () => number;
  passivateAfterMs: number;
  /** A commit that keeps losing its version check is retried this many times. */
  maxConflictRetries?: number;
  /**
   * True when no other node can write this entity (this node holds its partition's lease). Then
   * the hot copy is known fresh: reads are served from memory and refusals and no-ops need no
   * check. Otherwise (default) reads go to the database and a refusal or no-op is confirmed
   * against the stored version first, so a stale copy never decides anything.
   */
  isAuthoritative?: (kind: string, id: string) => boolean;
  /** The entity's partition (placement); all entities are in partition 0 without placement. */
  partitionOf?: (kind: string, id: string) => number;
  /** A commit was refused because this node no longer holds the partition's epoch. */
  onLeaseFenced?: (partition: number) => void;
}

/**
 * Hosts entity actors on this node: activates them on demand from their stored snapshot, runs
 * their events one at a time, commits each transition before adopting it, and passivates them
 * when idle.
 */
export class EntityRuntime {
  private readonly hosts = new Map<string, EntityHost>();
  private readonly activating = new Map<string, Promise<EntityHost>>();
  private readonly clock: () => number;
  private stopping = false;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly processBatch = (host: EntityHost, batch: Delivery[]) => this.process(host, batch);
  /** Counters since start: entity commits, transitions committed, commits that lost a version check and were recomputed. */
  readonly stats = { commits: 0, transitions: 0, conflicts: 0, leaseFenced: 0 };

  private readonly loader: BatchedLoader;
  /** Bumped whenever a partition's actors are forgotten, to catch activations that raced it. */
  private readonly partitionGenerations = new Map<number, number>();

  constructor(private readonly options: EntityRuntimeOptions) {
    this.clock = options.clock ?? Date.now;
    this.loader = new BatchedLoader(options.store);
  }

  start(): void {
    const every = Math.max(100, Math.min(this.options.passivateAfterMs / 2, 10_000));
    this.sweeper = setInterval(() => this.passivateIdle(), every);
    this.sweeper.unref();
  }

  /**
   * Delivers `event` (validated by the kind's zod schema; `at` is stamped here) to the entity's
   * actor. Resolves with the committed change, or null when the transition changed nothing (then
   * nothing is stored or emitted). Rejects with `RuntimeError`: UNKNOWN_KIND, INVALID_ID,
   * INVALID_EVENT (also for runtime-only events, for text PostgreSQL cannot store in the event,
   * `actor` or `runId`, and for an event whose result the database refused to store — the
   * entities committed in the same group commit are not affected), EVENT_NOT_ALLOWED (no
   * transition for it in the current state), VERSION_CONFLICT, UNAVAILABLE (database down: nothing was committed, or the
   * outcome is unknown and the actor re-reads its state before the next event), TIMEOUT (with
   * `timeoutMs`), STOPPING.
   * A rejected dispatch changes nothing.
   */
  async dispatch(kind: string, id: string, event: unknown, options: DispatchOptions = {}): Promise<EntityChange | null> {
    const parsed = this.validate(kind, id, event);
    if (options.commandId !== undefined && !commandIdSchema.safeParse(options.commandId).success) {
      throw RuntimeError.invalidEvent(kind, [{ path: ['commandId'], message: 'must be 1-128 printable ASCII characters without spaces' }]);
    }
    // Stored in the change's `cause` next to the event.
    const causeIssues = findUnstorable({ actor: options.actor, runId: options.runId });
    if (causeIssues.length > 0) throw RuntimeError.invalidEvent(kind, causeIssues);
    const delivered = this.deliver(this.definitionOf(kind), id, parsed, options, false);
    return options.timeoutMs === undefined ? delivered : withTimeout(delivered, options.timeoutMs, () => RuntimeError.timeout(kind, id, options.timeoutMs!));
  }

  /**
   * Checks a command without delivering it: known kind, valid id, event valid for its schema and
   * not runtime-only. Returns the parsed event (defaults filled in); throws `RuntimeError`.
   */
  validate(kind: string, id: string, event: unknown): { type: string } {
    const definition = this.definitionOf(kind);
    this.checkId(id);
    const parsed = definition.eventSchema.safeParse(event);
    if (!parsed.success) throw RuntimeError.invalidEvent(kind, parsed.error.issues);
    if (definition.internalEventTypes.includes(parsed.data.type)) throw RuntimeError.internalEvent(kind, parsed.data.type);
    return parsed.data;
  }

  /** The entity's partition. */
  partitionOf(kind: string, id: string): number {
    return this.options.partitionOf?.(kind, id) ?? 0;
  }

  /** Drops every actor of `partition` from memory (it changed hands). */
  forgetPartition(partition: number): number {
    this.partitionGenerations.set(partition, this.generationOf(partition) + 1);
    let dropped = 0;
    for (const [key, host] of this.hosts) {
      if (host.partition !== partition) continue;
      // A busy actor finishes its batch; its commit is then refused by the lease check.
      host.stale = true;
      this.hosts.delete(key);
      dropped++;
    }
    return dropped;
  }

  /** Resolves once no actor of `partition` has work queued or running (or after `timeoutMs`). */
  async drainPartition(partition: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const busy = () => [...this.hosts.values()].some((host) => host.partition === partition && !host.idle);
    while (busy() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  /**
   * Delivers a runtime-only event (a timer firing). An event the current state does not accept
   * resolves null instead of rejecting: a stale timer is simply ignored.
   */
  async deliverInternal(kind: EntityKind, id: string, event: { type: string }): Promise<EntityChange | null> {
    return this.deliver(this.definitionOf(kind), id, event, {}, true);
  }

  /** The entity's committed state: from memory when hot, else from the database. */
  async get(kind: string, id: string): Promise<EntityView> {
    const definition = this.definitionOf(kind);
    this.checkId(id);
    const host = this.freshHost(kind, id);
    if (host) return viewOf(host);
    return storedView(definition, id, await this.read(() => this.options.store.load(kind, id)));
  }

  async getMany(kind: string, ids: string[]): Promise<EntityView[]> {
    const definition = this.definitionOf(kind);
    ids.forEach((id) => this.checkId(id));
    const cold = ids.filter((id) => !this.freshHost(kind, id));
    const stored = new Map((await this.read(() => this.options.store.loadMany(kind, cold))).map((row) => [row.id, row]));
    return ids.map((id) => {
      const host = this.freshHost(kind, id);
      return host ? viewOf(host) : storedView(definition, id, stored.get(id) ?? null);
    });
  }

  /** The entity's committed transitions, oldest first, from `fromVersion`. */
  async history(kind: string, id: string, options: { fromVersion?: number; limit?: number } = {}) {
    this.definitionOf(kind);
    this.checkId(id);
    return this.read(() => this.options.store.history(kind, id, options.fromVersion, options.limit));
  }

  private generationOf(partition: number): number {
    return this.partitionGenerations.get(partition) ?? 0;
  }

  /** The hot copy, if it is known to equal what is stored. */
  private freshHost(kind: string, id: string): EntityHost | undefined {
    const host = this.hosts.get(hostKey(kind, id));
    return host && !host.stale && this.authoritative(kind, id) ? host : undefined;
  }

  private authoritative(kind: string, id: string): boolean {
    return this.options.isAuthoritative?.(kind, id) ?? false;
  }

  private async read<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw error instanceof PersistenceError ? RuntimeError.unavailable(error.message, error) : error;
    }
  }

  /** Number of actors in memory. */
  get hotCount(): number {
    return this.hosts.size;
  }

  /** Drops idle actors from memory (they re-activate from storage on their next event). */
  passivateIdle(olderThanMs = this.options.passivateAfterMs): number {
    const cutoff = Date.now() - olderThanMs;
    let dropped = 0;
    for (const [key, host] of this.hosts) {
      if (host.idle && host.lastUsedAt <= cutoff) {
        this.hosts.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  /** Refuses new events and waits (up to `timeoutMs`) for every mailbox to empty. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    if (this.sweeper) clearInterval(this.sweeper);
    const deadline = Date.now() + timeoutMs;
    while ([...this.hosts.values()].some((host) => !host.idle) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async deliver(
    definition: EntityDefinition,
    id: string,
    event: { type: string },
    options: DispatchOptions,
    internal: boolean,
  ): Promise<EntityChange | null> {
    if (this.stopping) throw RuntimeError.stopping();
    const host = await this.activate(definition, id);
    const cause = {
      ...(options.actor ? { actor: options.actor } : {}),
      ...(options.runId ? { runId: options.runId } : {}),
      ...(options.commandId ? { commandId: options.commandId } : {}),
    };
    return new Promise((resolve, reject) => host.post({ event, cause, internal, resolve, reject }));
  }

  /**
   * Applies a batch of queued events of one entity in order against its committed snapshot,
   * commits the resulting transitions together, then adopts the last snapshot and settles every
   * caller. If another writer committed first, re-reads the entity and recomputes the batch.
   */
  private async process(host: EntityHost, batch: Delivery[]): Promise<void> {
    const { definition } = host;
    const attempts = this.options.maxConflictRetries ?? 5;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        if (host.stale) await this.reload(host);
        batch = await this.answerRepeatedCommands(host, batch);
      } catch (error) {
        throw error instanceof PersistenceError ? RuntimeError.unavailable(`${definition.kind} ${host.id}: ${error.message}`, error) : error;
      }
      if (batch.length === 0) return;
      const plan = planTransitions(host, batch, this.clock);
      if (plan.commit === undefined) {
        // Refusals and no-ops were decided on the hot copy: make sure nobody else wrote meanwhile.
        if (!this.authoritative(definition.kind, host.id) && (await this.read(() => this.options.store.version(definition.kind, host.id))) !== host.version) {
          host.stale = true;
          continue;
        }
        return plan.settle();
      }
      try {
        await this.options.batcher.submit(plan.commit);
      } catch (error) {
        host.stale = true;
        if (error instanceof VersionFencedError) {
          this.stats.conflicts++;
          continue;
        }
        if (error instanceof CommitRejectedError) {
          // Nothing was written. With several queued events, only one may be at fault: commit
          // them one at a time from the stored state, so the others still commit.
          if (batch.length > 1) {
            for (const delivery of batch) await this.process(host, [delivery]).catch((failure: unknown) => delivery.reject(failure));
            return;
          }
          throw RuntimeError.unstorable(definition.kind, host.id, batch[0]!.event.type, error);
        }
        if (error instanceof LeaseFencedError) {
          this.stats.leaseFenced++;
          this.forgetPartition(host.partition);
          this.options.onLeaseFenced?.(host.partition);
          throw RuntimeError.notOwner(definition.kind, host.id, host.partition);
        }
        // The commit may or may not have happened (connection lost during COMMIT): the host
        // re-reads before its next event, and the callers learn the outcome is unknown.
        throw error instanceof PersistenceError ? RuntimeError.unavailable(`${definition.kind} ${host.id}: ${error.message}`, error) : error;
      }
      this.stats.commits++;
      this.stats.transitions += plan.commit.transitions.length;
      Object.assign(host, plan.after);
      return plan.settle();
    }
    throw RuntimeError.versionConflict(definition.kind, host.id, attempts);
  }

  /**
   * Commands whose id this entity already committed are answered with that change and taken out
   * of the batch (idempotent retries). Runs before every attempt: after a lost version check,
   * the other writer may have committed one of them.
   */
  private async answerRepeatedCommands(host: EntityHost, batch: Delivery[]): Promise<Delivery[]> {
    const commandIds = [...new Set(batch.map((delivery) => delivery.cause.commandId).filter((commandId) => commandId !== undefined))];
    if (commandIds.length === 0) return batch;
    const committed = await this.options.store.changesByCommandId(host.kind, host.id, commandIds);
    if (committed.size === 0) return batch;
    return batch.filter((delivery) => {
      const change = delivery.cause.commandId === undefined ? undefined : committed.get(delivery.cause.commandId);
      if (change) delivery.resolve(change);
      return !change;
    });
  }

  private async activate(definition: EntityDefinition, id: string): Promise<EntityHost> {
    const key = hostKey(definition.kind, id);
    const hot = this.hosts.get(key);
    if (hot) return hot;
    let activation = this.activating.get(key);
    if (!activation) {
      const generation = this.generationOf(this.partitionOf(definition.kind, id));
      activation = this.load(definition, id).then(
        (host) => {
          // The partition changed hands while this load was in flight: what it read may predate
          // the new owner's epoch, so re-read before trusting it.
          if (this.generationOf(host.partition) !== generation) host.stale = true;
          this.hosts.set(key, host);
          this.activating.delete(key);
          return host;
        },
        (error) => {
          this.activating.delete(key);
          throw error instanceof PersistenceError ? RuntimeError.unavailable(`${definition.kind} ${id}: ${error.message}`, error) : error;
        },
      );
      this.activating.set(key, activation);
    }
    return activation;
  }

  private async load(definition: EntityDefinition, id: string): Promise<EntityHost> {
    const stored = await this.loader.load(definition.kind, id);
    if (!stored) {
      const initial = stepperFor(definition.machine).initial(id);
      return new EntityHost(definition, id, this.partitionOf(definition.kind, id), initial, 0, null, '[]', this.processBatch);
    }
    const snapshot = restore(definition, stored);
    return new EntityHost(definition, id, this.partitionOf(definition.kind, id), snapshot, stored.version, stored.state, JSON.stringify(definition.timers(snapshot)), this.processBatch);
  }

  private async reload(host: EntityHost): Promise<void> {
    const fresh = await this.load(host.definition, host.id);
    host.snapshot = fresh.snapshot;
    host.version = fresh.version;
    host.state = fresh.state;
    host.timersJson = fresh.timersJson;
    host.stale = false;
  }

  private definitionOf(kind: string): EntityDefinition {
    const definition = getEntityDefinition(kind);
    if (!definition) throw RuntimeError.unknownKind(kind, entityKinds);
    return definition;
  }

  private checkId(id: string): void {
    const parsed = entityIdSchema.safeParse(id);
    if (!parsed.success) throw RuntimeError.invalidId(String(id), parsed.error.issues[0]?.message ?? 'invalid');
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, timeoutError: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function hostKey(kind: string, id: string): string {
  return `${kind}\u0000${id}`;
}

/** Rebuilds an XState snapshot from the stored `{ value, context }` (no actions run). */
function restore(definition: EntityDefinition, stored: StoredEntity): AnyMachineSnapshot {
  return definition.machine.resolveState({ value: stored.snapshot.value as never, context: stored.snapshot.context });
}

// An entity with no stored transition reads as its machine's initial state (a health aggregate
// with no results is healthy; a system not yet created is null), at version 0.
function viewOf(host: EntityHost): EntityView {
  const state = host.version === 0 ? host.definition.toState(host.snapshot) : host.state;
  return { kind: host.definition.kind, id: host.id, version: host.version, state, stateValue: host.snapshot.value };
}

function storedView(definition: EntityDefinition, id: string, stored: StoredEntity | null): EntityView {
  if (stored) return { kind: definition.kind, id, version: stored.version, state: stored.state, stateValue: stored.stateValue };
  const initial = stepperFor(definition.machine).initial(id);
  return { kind: definition.kind, id, version: 0, state: definition.toState(initial), stateValue: initial.value };
}
