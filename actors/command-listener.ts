import type { Logger } from 'pino';
import type { Msg, Subscription } from '@nats-io/transport-node';
import { AuthError, type Principal, type TokenAuthenticator } from '../auth/index.ts';
import type { Bus } from '../bus/index.ts';
import { commandIdSchema } from '../machines/index.ts';
import { hostClock, type SharedClock } from './cluster-clock.ts';
import type { DispatchOptions, EntityRuntime } from './entity-runtime.ts';
import { RuntimeError } from './errors.ts';
import type { CommandReply, CommandRouter, Placement, RoutedDispatchOptions } from './placement/index.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Told about every command answered (metrics). */
export interface CommandObserver {
  /**
   * `kind` as the subject names it (anything: bound it before using it as a label), `via`
   * `cluster` for the public subject or `node` for one forwarded by another node, `outcome` `ok`
   * or the error code answered.
   */
  answered(kind: string, via: 'cluster' | 'node', outcome: string): void;
}

/**
 * Serves commands over NATS request/reply:
 * - `<ns>.cmd.<kind>.<id>` (queue group `<ns>-cmd`: one node of the cluster takes each request)
 *   — routed to the entity's owner, wherever it is;
 * - `<ns>.node.<nodeId>.cmd.<kind>.<id>` — commands other nodes forward to this one as the
 *   owner; answered NOT_OWNER if this node does not (or no longer) own the partition.
 * The body is the event as JSON; `Vigil-Command-Id` makes the command idempotent per entity. An
 * invalid command is answered with an error and changes nothing.
 *
 * Who asks: on the public subject, the API token in the `Authorization: Bearer <token>` header
 * (UNAUTHENTICATED without a valid one, FORBIDDEN when its role or the command's kind does not
 * allow it); the change's `cause.actor` is `token:<name>` whatever else the request says. On a
 * node subject, `Vigil-Actor` and `Vigil-Run-Id` carry the cause the forwarding node established:
 * only nodes may publish there (NATS subject permissions, docs/OPERATIONS.md "Security").
 */
export class CommandListener {
  private readonly subscriptions: Subscription[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly bus: Bus,
    private readonly runtime: EntityRuntime,
    private readonly router: CommandRouter,
    private readonly placement: Placement,
    private readonly nodeId: string,
    private readonly log: Logger,
    private readonly timeoutMs: number,
    private readonly authenticator: TokenAuthenticator,
    /** What `Vigil-Deadline` is compared with: the shared clock the forwarding node set it by. */
    private readonly clock: SharedClock = hostClock,
    private readonly observer?: CommandObserver,
  ) {}

  start(): void {
    const { subjects } = this.bus;
    this.subscriptions.push(
      this.bus.nc.subscribe(subjects.commandFilter(), {
        queue: `${subjects.namespace}-cmd`,
        callback: (error, msg) => this.accept(error, msg, true, (kind, id, event, options) => this.router.dispatch(kind, id, event, options)),
      }),
      this.bus.nc.subscribe(subjects.nodeCommandFilter(this.nodeId), {
        callback: (error, msg) =>
          this.accept(error, msg, false, (kind, id, event, options) => {
            const partition = this.runtime.partitionOf(kind, id);
            if (!this.placement.owns(partition)) throw RuntimeError.notOwner(kind, id, partition);
            return this.runtime.dispatch(kind, id, event, options);
          }),
      }),
    );
  }

  /** Stops taking commands and waits for the ones in flight to be answered. */
  async stop(): Promise<void> {
    await Promise.all(this.subscriptions.map((subscription) => subscription.drain().catch(() => undefined)));
    await Promise.allSettled(this.inFlight);
  }

  private accept(error: Error | null, msg: Msg, fromOutside: boolean, execute: Executor): void {
    if (error) return void this.log.warn({ err: error }, 'command subscription error');
    const task = this.handle(msg, fromOutside, execute).finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
  }

  private async handle(msg: Msg, fromOutside: boolean, execute: Executor): Promise<void> {
    const reply = await this.execute(msg, fromOutside, execute);
    if (this.observer) {
      const tokens = msg.subject.split('.');
      this.observer.answered(tokens[tokens.length - 2] ?? '', fromOutside ? 'cluster' : 'node', reply.ok ? 'ok' : reply.error.code);
    }
    if (msg.reply) msg.respond(encoder.encode(JSON.stringify(reply)));
  }

  private async execute(msg: Msg, fromOutside: boolean, execute: Executor): Promise<CommandReply> {
    const tokens = msg.subject.split('.');
    const kind = tokens[tokens.length - 2] ?? '';
    const id = tokens[tokens.length - 1] ?? '';
    let actor: string | undefined;
    let runId: string | undefined;
    // Who asks comes first: an unauthenticated caller learns nothing, not even about its body.
    let principal: Principal | undefined;
    if (fromOutside) {
      try {
        principal = await this.authenticator.authenticate(msg.headers?.get('Authorization'));
      } catch (error) {
        if (error instanceof AuthError) return failure(error.code, error.message);
        this.log.warn({ err: error, subject: msg.subject }, 'command not authenticated: token lookup failed');
        return failure('UNAVAILABLE', 'the API token could not be checked (database unavailable); nothing was committed');
      }
    }
    let event: unknown;
    try {
      event = JSON.parse(decoder.decode(msg.data));
    } catch {
      return failure('INVALID_EVENT', 'the request body is not JSON');
    }
    // From outside, the router authorizes the caller and makes it the cause; between nodes, the
    // forwarding node already did and says who in the headers.
    if (!principal) {
      actor = msg.headers?.get('Vigil-Actor') || undefined;
      runId = msg.headers?.get('Vigil-Run-Id') || undefined;
    }
    const commandId = msg.headers?.get('Vigil-Command-Id') || undefined;
    if (commandId !== undefined && !commandIdSchema.safeParse(commandId).success) {
      return failure('INVALID_EVENT', 'Vigil-Command-Id must be 1-128 printable ASCII characters without spaces');
    }
    // A request that waited (a frozen node, a long queue) past its sender's deadline is not run:
    // the sender has given up, and running it now would surprise everyone.
    const deadline = Number(msg.headers?.get('Vigil-Deadline') || Number.POSITIVE_INFINITY);
    // Against the latest bound: never start a command whose deadline may have passed.
    const remaining = Math.min(this.timeoutMs, deadline - this.clock.latest());
    if (!(remaining > 0)) return failure('DEADLINE_EXCEEDED', RuntimeError.deadlineExceeded(kind, id).message);
    try {
      return { ok: true, change: await execute(kind, id, event, { actor, runId, commandId, timeoutMs: remaining, ...(principal ? { caller: principal } : {}) }) };
    } catch (error) {
      if (error instanceof AuthError) return failure(error.code, error.message);
      if (error instanceof RuntimeError) return failure(error.code, error.message, error.details);
      this.log.error({ err: error, subject: msg.subject }, 'command failed unexpectedly');
      return failure('INTERNAL', 'internal error; see the node log');
    }
  }
}

type Executor = (kind: string, id: string, event: unknown, options: RoutedDispatchOptions) => Promise<Awaited<ReturnType<EntityRuntime['dispatch']>>>;

function failure(code: string, message: string, details?: Record<string, unknown>): CommandReply {
  return { ok: false, error: { code, message, ...(details ? { details } : {}) } };
}
