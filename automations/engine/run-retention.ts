import type { Logger } from 'pino';
import type { Database } from '../../persistence/index.ts';

/** Runs removed per statement: keeps each delete short next to the live traffic. */
const PRUNE_BATCH = 500;

/**
 * Removes ended runs (state and transitions, and their notification deliveries with every
 * attempt) that ended more than `olderThanMs` ago. Runs with
 * outbox rows not yet published are kept until they are. Safe on every node at once: rows are
 * taken with `skip locked`, and deleting what is gone already deletes nothing. Returns how many
 * runs were removed.
 */
export async function pruneEndedRuns(database: Database, olderThanMs: number, now = Date.now()): Promise<number> {
  let removed = 0;
  for (;;) {
    const rows = await database.query<{ id: string }>(
      `with doomed as (
         select s.kind, s.id from entity_state s
          where s.kind = 'automation_run' and s.state_value = '"ended"'::jsonb and (s.state->>'endedAt')::bigint < ?
            and not exists (select 1 from outbox o where o.kind = s.kind and o.entity_id = s.id)
          limit ? for update skip locked
       ), transitions as (
         delete from entity_transitions t using doomed d where t.kind = d.kind and t.id = d.id
       ), deliveries as (
         delete from notification_deliveries n using doomed d where n.run_id = d.id returning n.id
       ), attempts as (
         delete from notification_delivery_attempts a using deliveries n where a.delivery_id = n.id
       )
       delete from entity_state s using doomed d where s.kind = d.kind and s.id = d.id returning s.id`,
      [now - olderThanMs, PRUNE_BATCH],
    );
    removed += rows.length;
    if (rows.length < PRUNE_BATCH) return removed;
  }
}

/**
 * Prunes ended runs every `everyMs` (`retentionMs` 0: runs are kept forever). Failures are
 * logged and tried again at the next round.
 */
export function startRunRetention(options: {
  database: Database;
  retentionMs: number;
  everyMs: number;
  log: Logger;
  /** Epoch ms on the shared clock, its earliest bound: a run is never removed before its time. */
  clock?: () => number;
}): { stop(): void } {
  if (options.retentionMs <= 0) return { stop: () => undefined };
  let running = false;
  const round = async () => {
    if (running) return;
    running = true;
    try {
      const removed = await pruneEndedRuns(options.database, options.retentionMs, (options.clock ?? Date.now)());
      if (removed > 0) options.log.info({ removed, retentionMs: options.retentionMs }, 'pruned ended automation runs');
    } catch (error) {
      options.log.warn({ err: error }, 'pruning ended automation runs failed; tried again later');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void round(), options.everyMs);
  timer.unref();
  void round();
  return { stop: () => clearInterval(timer) };
}
