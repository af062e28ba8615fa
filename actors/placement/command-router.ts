import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { z } from 'zod';
import { actorOf, authorizeCommand, type Principal } from '../../auth/index.ts';
import type { Bus } from '../../bus/index.ts';
import { entityChangeSchema, referencesOf, type EntityChange } from '../../machines/index.ts';
import { hostClock, monotonicNow, type SharedClock } from '../cluster-clock.ts';
import type { DispatchOptions, EntityRuntime } from '../entity-runtime.ts';
import { RuntimeError, type RuntimeErrorCode } from '../errors.ts';
import type { Placement } from './placement.ts';

/** The reply of a command, on the wire (validated when it comes back from another node). */
export const commandReplySchema = z.union([
  z.object({ ok: z.literal(true), change: entityChangeSchema.nullable() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }) }),
]);
export type CommandReply = z.infer<typeof commandReplySchema>;

/** A routed command's options: a `caller` from outside is authorized here and becomes its cause. */
export interface RoutedDispatchOptions extends DispatchOptions {
  /**
   * Who sent the command from outside (an API token's principal): the command must be one it may
   * send (else `AuthError` FORBIDDEN), and the change's `cause.actor` is this principal, never
   * `actor` or `runId` from the options.
   */
  caller?: Principal;
}

const encoder = new TextEncoder();

/**
 * Sends a command to the node that owns the entity's partition: runs it here when this node is
 * the owner, else forwards it over NATS (`<ns>.node.<owner>.cmd.<kind>.<id>`). While a partition
 * has no owner (failover) or its owner answers that it just lost it, the command waits and is
 * routed again — those are the only retries, because in both cases nothing was committed. A
 * command that reached an owner and timed out is reported as TIMEOUT (outcome unknown), never
 * re-sent.
 */
export class CommandRouter {
  /** Commands that had to wait for an owner, and for how long in total (ms). */
  readonly stats = { forwarded: 0, rerouted: 0, waitedMs: 0 };

  constructor(
    private readonly runtime: EntityRuntime,
    private readonly placement: Placement,
    private readonly bus: Bus,
    private readonly nodeId: string,
    private readonly defaultTimeoutMs: number,
    /** For `Vigil-Deadline`, which the owner compares with the same shared clock. */
    private readonly clock: SharedClock = hostClock,
  ) {}

  async dispatch(kind: string, id: string, event: unknown, routed: RoutedDispatchOptions = {}): Promise<EntityChange | null> {
    // Refuse invalid commands here, before any routing; then what the caller may not send.
    const { type } = this.runtime.validate(kind, id, event);
    const { caller, ...options } = routed;
    if (caller) {
      authorizeCommand(caller, kind, type);
      options.actor = actorOf(caller);
      delete options.runId;
    }
    await this.requireReferences(kind, event);
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    // A local duration: on the monotonic clock, which a step of the host's wall clock leaves alone.
    const deadline = monotonicNow() + timeoutMs;
    const partition = this.runtime.partitionOf(kind, id);
    for (;;) {
      const remaining = deadline - monotonicNow();
      if (remaining <= 0) throw RuntimeError.unavailable(`${kind} ${id}: no node owned partition ${partition} within ${timeoutMs} ms; nothing was committed`);
      const owner = this.placement.ownerOf(partition);
      try {
        if (owner === this.nodeId) return await this.runtime.dispatch(kind, id, event, { ...options, timeoutMs: remaining });
        if (owner !== undefined) return await this.forward(owner, kind, id, event, options, remaining);
      } catch (error) {
        if (!(error instanceof RuntimeError && error.code === 'NOT_OWNER')) throw error;
        this.stats.rerouted++;
      }
      const waitStart = monotonicNow();
      await this.placement.changed(Math.min(remaining, 100));
      this.stats.waitedMs += monotonicNow() - waitStart;
    }
  }

  /**
   * Refuses (INVALID_EVENT, naming the field) a create or update that names a system, satellite
   * or group that does not exist: such a check would never report, such a maintenance would
   * cover nothing. Read from committed state before routing; an entity deleted in the moment
   * between this read and the commit is not caught (the catalog is not locked).
   */
  private async requireReferences(kind: string, event: unknown): Promise<void> {
    const issues: Array<{ path: PropertyKey[]; message: string }> = [];
    for (const reference of referencesOf(kind, event)) {
      const views = await this.runtime.getMany(reference.kind, reference.ids);
      const missing = views.filter((view) => view.state === null).map((view) => view.id);
      if (missing.length > 0) {
        const named = missing.map((id) => `"${id}"`).join(', ');
        issues.push({ path: [reference.field], message: `no ${reference.kind} ${named} exists (create ${missing.length > 1 ? 'them' : 'it'} first)` });
      }
    }
    if (issues.length > 0) throw RuntimeError.invalidEvent(kind, issues);
  }

  private async forward(owner: string, kind: string, id: string, event: unknown, options: DispatchOptions, timeoutMs: number): Promise<EntityChange | null> {
    this.stats.forwarded++;
    const h: MsgHdrs = natsHeaders();
    if (options.actor) h.set('Vigil-Actor', options.actor);
    if (options.runId) h.set('Vigil-Run-Id', options.runId);
    if (options.commandId) h.set('Vigil-Command-Id', options.commandId);
    // The owner does not start the command after this (epoch ms on the shared clock): a forward
    // that timed out here will not run later on a node that was merely slow or frozen. From the
    // earliest bound, so the deadline is never after the moment this node gives up.
    h.set('Vigil-Deadline', String(this.clock.earliest() + timeoutMs));
    let replyJson: unknown;
    try {
      const reply = await this.bus.nc.request(this.bus.subjects.nodeCommand(owner, kind, id), encoder.encode(JSON.stringify(event)), { timeout: timeoutMs, headers: h });
      replyJson = reply.json();
    } catch (error) {
      const text = String((error as Error)?.message ?? error);
      // No responder: the owner is gone (its subscription went with its connection) — not delivered.
      if (/no responders/i.test(text)) throw RuntimeError.notOwner(kind, id, this.runtime.partitionOf(kind, id));
      if (/timeout/i.test(text)) throw RuntimeError.timeout(kind, id, timeoutMs);
      throw RuntimeError.unavailable(`${kind} ${id}: forwarding to ${owner} failed: ${text}`, error);
    }
    const parsed = commandReplySchema.safeParse(replyJson);
    if (!parsed.success) throw RuntimeError.unavailable(`${kind} ${id}: ${owner} answered something that is not a command reply`);
    if (parsed.data.ok) return parsed.data.change;
    const { code, message, details } = parsed.data.error;
    throw RuntimeError.fromReply(code as RuntimeErrorCode, message, details);
  }
}
