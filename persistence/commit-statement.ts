import type { LeaseFence } from './lease-store.ts';
import type { PendingCommit } from './transition-store.ts';

/** One row of the commit statement's result. */
export interface CommitResultRow {
  what: 'lease' | 'won' | 'outbox';
  kind: string | null;
  id: string | null;
  version: number | null;
  /** The partition (for `lease`) or the outbox id (for `outbox`). */
  n: string | number | null;
}

/**
 * The whole write of a commit batch as ONE SQL statement (data-modifying CTEs), so a commit is a
 * single round trip — and, without timers to rewrite, needs no explicit transaction: one
 * statement is atomic on its own. In order:
 *
 * 1. `lease`: the batch's partitions whose epoch this node still holds, locked `FOR SHARE` (a
 *    takeover, which updates the row, waits for this statement; after it, the epoch differs);
 * 2. `upd` / `ins`: the state rows, written only where the stored version is the one the writer
 *    read (insert-if-absent for new entities): `won` are the entities that passed both checks.
 *    The state is the last transition's `next`, read out of its change JSON (`vs`), and so is the
 *    snapshot's context where it is that same state: a big state crosses the wire once, not three
 *    times;
 * 3. `t` / `o`: their transition rows, read out of the change JSON (sent once per transition), and
 *    outbox rows that only reference them (the relay reads the change from the transition row).
 *
 * The result lists the held partitions, the winners and the new outbox ids.
 */
export function buildCommitStatement(batch: PendingCommit[], nodeId: string, fence: LeaseFence | undefined) {
  const params: unknown[] = [];
  const parts: string[] = [];
  const payloads: string[][] = [];

  if (fence) {
    const partitions = [...new Set(batch.map((item) => item.partition))].filter((partition) => fence.epochs.has(partition));
    // (-1, -1) matches nothing and keeps the list non-empty.
    const pairs = partitions.length > 0 ? partitions.map(() => '(?::int, ?::bigint)').join(', ') : '(-1, -1)';
    params.push(fence.nodeId, ...partitions.flatMap((partition) => [partition, fence.epochs.get(partition)!]));
    parts.push(`lease as (select partition from partition_leases where owner = ? and (partition, epoch) in (${pairs}) for share)`);
  }

  const entityRows = batch.map((item) => {
    const { change } = item.transitions[item.transitions.length - 1]!;
    // The state row is the last transition's `next`, which is sent once, in its change (`tv`);
    // the snapshot is rebuilt from it and the state value when its context is that same state
    // (most machines' toState is `{ ...context }`), else sent whole.
    const snapshot = isShallowCopy(change.next, item.snapshot.context) ? null : JSON.stringify(item.snapshot);
    params.push(item.kind, item.id, item.partition, item.baseVersion, change.version, JSON.stringify(change.stateValue), snapshot, item.machineVersion, change.at);
    return '(?, ?, ?::int, ?::int, ?::int, ?::jsonb, ?::jsonb, ?::int, ?::bigint)';
  });
  parts.push(`v (kind, id, partition, base_version, version, state_value, snapshot, machine_version, updated_at) as (values ${entityRows.join(', ')})`);

  const transitionRows: string[] = [];
  for (const item of batch) {
    const itemPayloads: string[] = [];
    for (const { change, event } of item.transitions) {
      const payload = JSON.stringify(change);
      itemPayloads.push(payload);
      params.push(change.kind, change.id, change.version, JSON.stringify(event), payload);
      transitionRows.push('(?, ?, ?::int, ?::jsonb, ?::jsonb)');
    }
    payloads.push(itemPayloads);
  }
  parts.push(`tv (kind, id, version, event, payload) as (values ${transitionRows.join(', ')})`);
  parts.push(`vs as (
    select v.kind, v.id, v.partition, v.base_version, v.version, n.state, v.state_value,
      coalesce(v.snapshot, jsonb_build_object('value', v.state_value, 'context', n.state)) as snapshot, v.machine_version, v.updated_at
    from v join (select kind, id, version, nullif(payload->'next', 'null'::jsonb) as state from tv) n
      on n.kind = v.kind and n.id = v.id and n.version = v.version)`);
  parts.push(fence ? 'allowed as (select * from vs where partition in (select partition from lease))' : 'allowed as (select * from vs)');
  parts.push(`upd as (
    update entity_state s set version = a.version, state = a.state, state_value = a.state_value, snapshot = a.snapshot,
      machine_version = a.machine_version, updated_at = a.updated_at
    from allowed a where a.base_version > 0 and s.kind = a.kind and s.id = a.id and s.version = a.base_version
    returning s.kind, s.id)`);
  parts.push(`ins as (
    insert into entity_state (kind, id, version, state, state_value, snapshot, machine_version, updated_at)
    select kind, id, version, state, state_value, snapshot, machine_version, updated_at from allowed where base_version = 0
    on conflict (kind, id) do nothing returning kind, id)`);
  parts.push('won as (select kind, id from upd union all select kind, id from ins)');

  params.push(nodeId);
  parts.push(`t as (
    insert into entity_transitions (kind, id, version, prev, next, changed_fields, state_value, event, cause, at, committed_by)
    select tv.kind, tv.id, tv.version, nullif(tv.payload->'prev', 'null'::jsonb), nullif(tv.payload->'next', 'null'::jsonb),
      tv.payload->'changedFields', tv.payload->'stateValue', tv.event, tv.payload->'cause', (tv.payload->>'at')::bigint, ?
    from tv join won on won.kind = tv.kind and won.id = tv.id)`);
  parts.push(`o as (
    insert into outbox (kind, entity_id, version, created_at)
    select tv.kind, tv.id, tv.version, (tv.payload->>'at')::bigint
    from tv join won on won.kind = tv.kind and won.id = tv.id
    returning id, kind, entity_id, version)`);

  const select = [
    ...(fence ? [`select 'lease' as what, null::text as kind, null::text as id, null::int as version, partition::bigint as n from lease`] : []),
    `select 'won' as what, kind, id, null::int as version, null::bigint as n from won`,
    `select 'outbox' as what, kind, entity_id as id, version, id as n from o`,
  ].join(' union all ');

  return { sql: `with ${parts.join(',\n')}\n${select}`, params, payloads };
}

/**
 * True when `state` has exactly the keys of `context`, each the same value (===): their JSON is
 * then the same. Cheap (no serialisation); a deep copy or an extra field reads as false.
 */
function isShallowCopy(state: unknown, context: Record<string, unknown>): boolean {
  if (state === null || typeof state !== 'object' || Array.isArray(state)) return false;
  const keys = Object.keys(state);
  if (keys.length !== Object.keys(context).length) return false;
  for (const key of keys) if ((state as Record<string, unknown>)[key] !== context[key] || !(key in context)) return false;
  return true;
}
