import type { EntityChange } from '../machines/index.ts';
import type { Database, Transaction } from './database.ts';
import { PersistenceError } from './errors.ts';
import { buildCommitStatement, type CommitResultRow } from './commit-statement.ts';
import type { LeaseFence } from './lease-store.ts';
import type { OutboxRow } from './outbox-store.ts';
import type { EntityStateRow, EntityTransitionRow } from './entities/index.ts';

/**
 * What one entity commits in one go: one or more consecutive transitions (versions
 * `baseVersion + 1 …`) and the state row, snapshot and timers they end in. Several events queued
 * for one entity are committed together; the state row is written once, fenced on `baseVersion`.
 */
export interface PendingCommit {
  kind: string;
  id: string;
  /** The entity's partition: the commit is written only while this node holds its epoch. */
  partition: number;
  /** The version the writer read (0: no row yet). The write happens only if it is still stored. */
  baseVersion: number;
  /** In version order, with no gap, starting at `baseVersion + 1`. */
  transitions: Array<{
    change: EntityChange;
    /** The event as the machine received it (with `at`). */
    event: Record<string, unknown>;
  }>;
  /** The XState snapshot after the last transition. */
  snapshot: { value: unknown; context: Record<string, unknown> };
  machineVersion: number;
  /** The entity's deadlines after the last transition; undefined means "unchanged, leave the rows alone". */
  timers?: Array<{ name: string; dueAt: number; event: { type: string; dueAt: number } }>;
}

/** A stored entity as read back: its `entity_state` row. */
export type StoredEntity = EntityStateRow;

const key = (kind: string, id: string) => `${kind}\u0000${id}`;

/** What `commit` did: entities refused by either check (nothing written for them), and the outbox rows it wrote. */
export interface CommitOutcome {
  versionFenced: Set<string>;
  leaseFenced: Set<string>;
  /** The committed changes' outbox rows, so the committing node can publish them straight away. */
  outbox: OutboxRow[];
}

/**
 * Reads and writes entity state, history, outbox rows and timers.
 *
 * `commit` writes many transitions of different entities in ONE transaction (group commit: the
 * database is the bottleneck, and 100 rows per transaction cost about what 1 does). Every state
 * row is written only if its stored version is the one the writer read, so a stale writer (a
 * second activation, a node that lost its lease) can never overwrite a newer version.
 */
export class TransitionStore {
  /** `nodeId` is recorded as `committed_by` of every transition this store writes. */
  constructor(
    private readonly db: Database,
    private readonly nodeId: string,
  ) {}

  /**
   * Commits, in one transaction, the entities that pass both checks — their partition's epoch is
   * still this node's (`fence`), and their stored version is the one the writer read — and
   * reports by key (`kind\0id`) those that failed either: for them nothing was written. Rejects
   * with `PersistenceError` if the transaction failed: then nothing at all was written, or (if the
   * connection died during COMMIT) the outcome is unknown and the caller must re-read. Code
   * `DB_DATA_REJECTED` means the database refused (or the statement could not encode) some of
   * the batch's data: nothing was written, and committing the same items again fails again.
   */
  async commit(batch: PendingCommit[], fence?: LeaseFence): Promise<CommitOutcome> {
    const versionFenced = new Set<string>();
    const leaseFenced = new Set<string>();
    if (batch.length === 0) return { versionFenced, leaseFenced, outbox: [] };
    let statement: ReturnType<typeof buildCommitStatement>;
    try {
      statement = buildCommitStatement(batch, this.nodeId, fence);
    } catch (error) {
      // JSON.stringify throws on a value nested too deep (RangeError), a cycle or a BigInt.
      throw PersistenceError.unencodable('commit', error);
    }
    const withTimers = batch.filter((item) => item.timers !== undefined);
    // One statement is atomic by itself; timer rows need a second one, so then a transaction.
    const result =
      withTimers.length === 0
        ? await this.db.query<CommitResultRow>(statement.sql, statement.params)
        : await this.db.transaction(async (transaction) => {
            const rowsOut = await this.db.query<CommitResultRow>(statement.sql, statement.params, transaction);
            const won = new Set(rowsOut.filter((row) => row.what === 'won').map((row) => key(row.kind!, row.id!)));
            await this.replaceTimers(withTimers.filter((item) => won.has(key(item.kind, item.id))), transaction);
            return rowsOut;
          });

    const held = new Set(result.filter((row) => row.what === 'lease').map((row) => Number(row.n)));
    const won = new Set(result.filter((row) => row.what === 'won').map((row) => key(row.kind!, row.id!)));
    const outboxIds = new Map(result.filter((row) => row.what === 'outbox').map((row) => [`${key(row.kind!, row.id!)}\u0000${row.version}`, Number(row.n)]));
    const outbox: OutboxRow[] = [];
    batch.forEach((item, index) => {
      const itemKey = key(item.kind, item.id);
      if (fence && !held.has(item.partition)) leaseFenced.add(itemKey);
      else if (!won.has(itemKey)) versionFenced.add(itemKey);
      else {
        item.transitions.forEach(({ change }, position) => {
          outbox.push({
            id: outboxIds.get(`${itemKey}\u0000${change.version}`)!,
            kind: change.kind,
            entityId: change.id,
            version: change.version,
            payload: change as unknown as Record<string, unknown>,
            payloadJson: statement.payloads[index]![position],
          });
        });
      }
    });
    return { versionFenced, leaseFenced, outbox };
  }

  async load(kind: string, id: string): Promise<StoredEntity | null> {
    const rows = await this.db.query<Record<string, unknown>>(
      'select kind, id, version, state, state_value, snapshot, machine_version, updated_at from entity_state where kind = ? and id = ?',
      [kind, id],
    );
    return rows[0] ? toStoredEntity(rows[0]) : null;
  }

  /** The stored version of one entity (0 when it has none). */
  async version(kind: string, id: string): Promise<number> {
    const rows = await this.db.query<{ version: number }>('select version from entity_state where kind = ? and id = ?', [kind, id]);
    return rows[0] ? Number(rows[0].version) : 0;
  }

  async loadMany(kind: string, ids: string[]): Promise<StoredEntity[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.query<Record<string, unknown>>(
      `select kind, id, version, state, state_value, snapshot, machine_version, updated_at from entity_state where kind = ? and id in (${placeholders(ids.length)})`,
      [kind, ...ids],
    );
    return rows.map(toStoredEntity);
  }

  /**
   * The committed changes of one entity made by commands with these ids (idempotency keys),
   * keyed by command id.
   */
  async changesByCommandId(kind: string, id: string, commandIds: string[]): Promise<Map<string, EntityChange>> {
    if (commandIds.length === 0) return new Map();
    const found = await this.db.query<Record<string, unknown>>(
      `select kind, id, version, prev, next, changed_fields, state_value, cause, at from entity_transitions
       where kind = ? and id = ? and (cause->>'commandId') in (${placeholders(commandIds.length)})`,
      [kind, id, ...commandIds],
    );
    return new Map(
      found.map((row) => {
        const change = {
          kind: row.kind,
          id: row.id,
          version: Number(row.version),
          prev: row.prev ?? null,
          next: row.next ?? null,
          changedFields: row.changed_fields,
          stateValue: row.state_value,
          at: Number(row.at),
          cause: row.cause,
        } as EntityChange;
        return [change.cause.commandId!, change];
      }),
    );
  }

  /** Transitions of one entity in version order, from `fromVersion` (inclusive), at most `limit`. */
  async history(kind: string, id: string, fromVersion = 1, limit = 1000): Promise<EntityTransitionRow[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      'select kind, id, version, prev, next, changed_fields, state_value, event, cause, at, committed_by, committed_at from entity_transitions where kind = ? and id = ? and version >= ? order by version limit ?',
      [kind, id, fromVersion, limit],
    );
    return rows.map((row) => ({
      kind: String(row.kind),
      id: String(row.id),
      version: Number(row.version),
      prev: row.prev as EntityTransitionRow['prev'],
      next: row.next as EntityTransitionRow['next'],
      changedFields: row.changed_fields as string[],
      stateValue: row.state_value,
      event: row.event as Record<string, unknown>,
      cause: row.cause as EntityTransitionRow['cause'],
      at: Number(row.at),
      committedBy: (row.committed_by ?? null) as string | null,
      committedAt: new Date(row.committed_at as string),
    }));
  }

  private async replaceTimers(items: PendingCommit[], transaction: Transaction): Promise<void> {
    if (items.length === 0) return;
    const keyParams = items.flatMap(({ kind, id }) => [kind, id]);
    await this.db.query(
      `delete from entity_timers where (kind, entity_id) in (${rows(items.length, '(?, ?)')})`,
      keyParams,
      transaction,
    );
    const timerParams: unknown[] = [];
    let count = 0;
    for (const { kind, id, partition, timers } of items) {
      for (const timer of timers ?? []) {
        timerParams.push(kind, id, partition, timer.name, timer.dueAt, json(timer.event));
        count++;
      }
    }
    if (count === 0) return;
    await this.db.query(
      `insert into entity_timers (kind, entity_id, partition, name, due_at, event) values ${rows(count, '(?, ?, ?, ?, ?, ?::jsonb)')}`,
      timerParams,
      transaction,
    );
  }
}

function toStoredEntity(row: Record<string, unknown>): StoredEntity {
  return {
    kind: String(row.kind),
    id: String(row.id),
    version: Number(row.version),
    state: (row.state ?? null) as StoredEntity['state'],
    stateValue: row.state_value,
    snapshot: row.snapshot as StoredEntity['snapshot'],
    machineVersion: Number(row.machine_version),
    updatedAt: Number(row.updated_at),
  };
}

/** JSON text for a `?::jsonb` parameter (`null` stays SQL null). */
function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

function rows(count: number, row: string): string {
  return Array.from({ length: count }, () => row).join(', ');
}

function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

export type { EntityStateRow };
