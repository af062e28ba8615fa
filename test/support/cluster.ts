import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import type { CommandReply } from '../../actors/index.ts';
import { desiredOwner, partitionOf } from '../../actors/index.ts';
import { subjectsFor } from '../../bus/index.ts';
import type { Isolation } from './fixtures.ts';
import { commandHeaders, NATS_URL } from './isolation.ts';
import { scaled } from './time-scale.ts';
import { NodeProcess } from './node-process.ts';

/** Node processes sharing one database and namespace, with short leases so failover is quick. */
export async function startCluster(options: { databaseUrl: string; namespace: string; size: number; leaseTtlMs: number; env?: Record<string, string> }): Promise<NodeProcess[]> {
  const nodes = Array.from({ length: options.size }, (_, index) =>
    new NodeProcess({
      databaseUrl: options.databaseUrl,
      namespace: options.namespace,
      nodeId: `node-${index + 1}`,
      env: { VIGIL_LEASE_TTL_MS: String(options.leaseTtlMs), VIGIL_PARTITIONS: '32', VIGIL_COMMAND_TIMEOUT_MS: '15000', ...options.env },
    }),
  );
  try {
    await Promise.all(nodes.map((node) => node.start()));
    await waitForBalance(options.databaseUrl, nodes.map((_, index) => `node-${index + 1}`), 32);
  } catch (error) {
    // The caller registers its teardown only once this resolves: do not leave processes behind.
    await Promise.all(nodes.map((node) => node.kill('SIGKILL')));
    throw error;
  }
  return nodes;
}

/** Waits until every partition is held by its rendezvous-hashed owner among `members`. */
export async function waitForBalance(databaseUrl: string, members: string[], partitionCount: number, unscaledTimeoutMs = 30_000): Promise<void> {
  const timeoutMs = scaled(unscaledTimeoutMs);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const owners = new Map((await db.query('select partition, owner from partition_leases')).rows.map((row) => [row.partition, row.owner]));
      const misplaced = Array.from({ length: partitionCount }, (_, partition) => partition).filter((partition) => owners.get(partition) !== desiredOwner(partition, members));
      if (misplaced.length === 0) return;
      if (Date.now() > deadline) throw new Error(`partitions ${misplaced.join(', ')} not with their desired owners after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await db.end();
  }
}

export interface AckedCommand {
  id: string;
  marker: string;
  version: number;
  latencyMs: number;
}

/**
 * Clients sending `update { description: <unique marker> }` commands to `system` entities over
 * NATS (`<ns>.cmd.system.<id>`, answered by whichever node the queue group picks). Every marker
 * is unique, so the database tells exactly which commands committed, and how often.
 */
export class CommandLoad {
  readonly acked: AckedCommand[] = [];
  readonly failures = new Map<string, number>();
  /** Longest time a command waited for its answer (acknowledged or not), ms. */
  maxLatencyMs = 0;
  private connections: NatsConnection[] = [];
  private sequence = 0;

  constructor(
    private readonly namespace: string,
    private readonly entityIds: string[],
    private readonly clients = 4,
    /** How long a client waits for a reply before giving up (the command's outcome is then unknown). */
    private readonly requestTimeoutMs = 20_000,
  ) {}

  async open(): Promise<void> {
    this.connections = await Promise.all(Array.from({ length: this.clients }, () => connect({ servers: NATS_URL })));
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map((nc) => nc.close()));
  }

  /** Sends one command and records the outcome. */
  async send(client: number, id: string, event: unknown, marker: string): Promise<void> {
    const nc = this.connections[client % this.connections.length]!;
    const started = Date.now();
    try {
      const reply = (await nc.request(subjectsFor(this.namespace).command('system', id), JSON.stringify(event), { timeout: this.requestTimeoutMs, headers: commandHeaders() })).json<CommandReply>();
      if (reply.ok && reply.change) this.acked.push({ id, marker, version: reply.change.version, latencyMs: Date.now() - started });
      else if (!reply.ok) this.count(reply.error.code);
    } catch (error) {
      this.count(/no responders/i.test(String(error)) ? 'NO_RESPONDERS' : /timeout/i.test(String(error)) ? 'CLIENT_TIMEOUT' : 'CLIENT_ERROR');
    } finally {
      this.maxLatencyMs = Math.max(this.maxLatencyMs, Date.now() - started);
    }
  }

  /** Creates every entity (once each). */
  async createAll(): Promise<void> {
    await this.pool(this.entityIds.length, 64, (index) => {
      const id = this.entityIds[index]!;
      return this.send(index, id, { type: 'create', name: id }, `create:${id}`);
    });
  }

  /** Sends `count` updates spread over the entities, `concurrency` in flight, while `keepGoing()`. */
  async updates(count: number, concurrency: number, keepGoing: () => boolean = () => true): Promise<void> {
    await this.pool(count, concurrency, (index) => {
      if (!keepGoing()) return Promise.resolve();
      const id = this.entityIds[index % this.entityIds.length]!;
      const marker = `m-${++this.sequence}-${Math.random().toString(36).slice(2, 8)}`;
      return this.send(index, id, { type: 'update', description: marker }, marker);
    });
  }

  private count(code: string): void {
    this.failures.set(code, (this.failures.get(code) ?? 0) + 1);
  }

  private async pool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) await task(next++);
      }),
    );
  }
}

/** Checks the database against what clients were told; returns the problems found (none = pass). */
export async function auditCommittedCommands(databaseUrl: string, acked: AckedCommand[]): Promise<{ problems: string[]; transitions: number }> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const problems: string[] = [];
    const { rows } = await db.query(`select id, version, event->>'description' as marker from entity_transitions where kind = 'system'`);
    const byMarker = new Map<string, Array<{ id: string; version: number }>>();
    for (const row of rows) {
      if (!row.marker) continue;
      const list = byMarker.get(row.marker) ?? [];
      list.push({ id: row.id, version: row.version });
      byMarker.set(row.marker, list);
    }
    for (const command of acked.filter((entry) => !entry.marker.startsWith('create:'))) {
      const found = byMarker.get(command.marker) ?? [];
      if (found.length !== 1) problems.push(`acknowledged ${command.marker} is in ${found.length} transitions`);
      else if (found[0]!.id !== command.id || found[0]!.version !== command.version) problems.push(`${command.marker} acknowledged as ${command.id} v${command.version}, stored as ${found[0]!.id} v${found[0]!.version}`);
    }
    for (const [marker, found] of byMarker) if (found.length > 1) problems.push(`${marker} committed ${found.length} times`);
    const gaps = await db.query(
      `select kind, id, count(*)::int as n, min(version) as lo, max(version) as hi from entity_transitions group by kind, id having count(*) <> max(version) or min(version) <> 1`,
    );
    for (const row of gaps.rows) problems.push(`${row.kind} ${row.id}: ${row.n} transitions but versions ${row.lo}..${row.hi}`);
    const states = await db.query(
      `select s.kind, s.id, s.version, (select max(version) from entity_transitions t where t.kind = s.kind and t.id = s.id) as last from entity_state s`,
    );
    for (const row of states.rows) if (row.version !== row.last) problems.push(`${row.kind} ${row.id}: state row at v${row.version}, history at v${row.last}`);
    return { problems, transitions: rows.length };
  } finally {
    await db.end();
  }
}

/**
 * The fencing invariant, checked on the record: every transition was committed by the node that
 * held its partition's latest epoch at that moment (per `partition_lease_history`). A node that
 * lost a partition — killed, frozen, cut off — and committed anyway would show up here.
 */
export async function auditFencing(databaseUrl: string, partitionCount: number): Promise<string[]> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const history = (await db.query('select partition, epoch, owner, acquired_at from partition_lease_history order by partition, acquired_at')).rows;
    const epochsOf = new Map<number, Array<{ owner: string; acquiredAt: number }>>();
    for (const row of history) {
      const list = epochsOf.get(row.partition) ?? [];
      list.push({ owner: row.owner, acquiredAt: new Date(row.acquired_at).getTime() });
      epochsOf.set(row.partition, list);
    }
    const problems: string[] = [];
    const transitions = (await db.query('select kind, id, version, committed_by, committed_at from entity_transitions')).rows;
    for (const row of transitions) {
      const partition = partitionOf(row.kind, row.id, partitionCount);
      const committedAt = new Date(row.committed_at).getTime();
      const holder = [...(epochsOf.get(partition) ?? [])].reverse().find((epoch) => epoch.acquiredAt <= committedAt);
      if (holder?.owner !== row.committed_by) {
        problems.push(`${row.kind} ${row.id} v${row.version} committed by ${row.committed_by} at ${row.committed_at.toISOString()} while partition ${partition} belonged to ${holder?.owner ?? 'nobody'}`);
      }
    }
    return problems;
  } finally {
    await db.end();
  }
}

/**
 * What a test driving node processes talks to them with: a PostgreSQL client, a NATS connection
 * (both closed with the isolation) and `command`, a request on `<ns>.cmd.<kind>.<id>`.
 */
export async function connectClients(isolation: Isolation) {
  const db = new pg.Client({ connectionString: isolation.databaseUrl });
  await db.connect();
  isolation.defer(() => db.end());
  const nc = await connect({ servers: NATS_URL });
  isolation.defer(() => nc.close());
  const subjects = subjectsFor(isolation.namespace);
  const command = async (kind: string, id: string, event: unknown): Promise<CommandReply> =>
    (await nc.request(subjects.command(kind, id), JSON.stringify(event), { timeout: 15_000, headers: commandHeaders() })).json<CommandReply>();
  /**
   * Sends an event only Vigil may send (a health result, a satellite's `connect`) the way a node's
   * own satellite gateway does: on the owning node's subject, which only nodes may publish to in a
   * deployment with NATS permissions. Retries while ownership moves.
   */
  const internalCommand = async (kind: string, id: string, event: unknown, partitions = 32): Promise<CommandReply> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const owner = (await db.query('select owner from partition_leases where partition = $1', [partitionOf(kind, id, partitions)])).rows[0]?.owner as string | undefined;
      const h = natsHeaders();
      h.set('Vigil-Actor', 'node:test-gateway');
      const reply = owner
        ? await nc
            .request(subjects.nodeCommand(owner, kind, id), JSON.stringify(event), { timeout: 15_000, headers: h })
            .then((message) => message.json<CommandReply>())
            .catch(() => undefined)
        : undefined;
      if (reply && !(!reply.ok && reply.error.code === 'NOT_OWNER')) return reply;
      if (Date.now() > deadline) throw new Error(`${kind} ${id}: no owner answered within 15 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  return { db, nc, command, internalCommand };
}

/**
 * Node processes for a kill test (killed with SIGKILL when the file ends), with clients whose
 * `command` throws when a command is refused: the test's setup must not fail silently.
 */
export async function startClusterWithClients(isolation: Isolation, options: { size: number; leaseTtlMs: number; env?: Record<string, string> }) {
  const nodes = await startCluster({ databaseUrl: isolation.databaseUrl, namespace: isolation.namespace, ...options });
  isolation.defer(() => Promise.all(nodes.map((node) => node.kill('SIGKILL'))));
  const { db, command: send, internalCommand: sendInternal } = await connectClients(isolation);
  const refusedThrows =
    (sender: (kind: string, id: string, event: unknown) => Promise<CommandReply>) =>
    async (kind: string, id: string, event: unknown): Promise<CommandReply> => {
      const reply = await sender(kind, id, event);
      if (!reply.ok) throw new Error(`${kind} ${id}: ${JSON.stringify(reply)}`);
      return reply;
    };
  return { nodes, db, command: refusedThrows(send), internalCommand: refusedThrows((kind, id, event) => sendInternal(kind, id, event)) };
}

/** Of `ids`, those whose `kind` entity lives in a partition that `nodeId` holds now. */
export async function idsOwnedBy(db: pg.Client, nodeId: string, kind: string, ids: string[], partitionCount = 32): Promise<string[]> {
  const owned = new Set((await db.query('select partition from partition_leases where owner = $1', [nodeId])).rows.map((row) => row.partition));
  return ids.filter((id) => owned.has(partitionOf(kind, id, partitionCount)));
}
