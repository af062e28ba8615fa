import type { Logger } from 'pino';
import type { Bus, Subscription } from '../bus/index.ts';
import { PUSH_RESULT_SOURCE, pushMonitorEnded, pushResultsOf, checkResultEntry, type EntityChange, type PushMonitor, type PushResult } from '../machines/index.ts';
import { onEntityChanged } from './change-subscriptions.ts';
import type { DispatchOptions } from './entity-runtime.ts';

/** Where push results go besides health (e.g. the check history); must be idempotent by `resultId`. */
export interface PushResultWriter {
  record(results: PushResult[]): Promise<void>;
}

export interface PushResultReactorOptions {
  bus: Bus;
  dispatch: (kind: string, id: string, event: unknown, options: DispatchOptions) => Promise<EntityChange | null>;
  /** Removes a check's push token (the check was deleted or is no longer a push check). */
  tokens: { remove(checkId: string): Promise<boolean> };
  /** `cause.actor` of the health changes: `node:<id>`. */
  actor: string;
  log: Logger;
  /** Also told every push result, after health took it. */
  writer?: PushResultWriter;
}


/**
 * The one place push results are produced: the health of the check's system takes them (source
 * `push`, ordered and de-duplicated by `executedAt`), then the optional writer. Resolves once both
 * did; a rejection leaves the change unacknowledged, and delivering it again is harmless.
 */
export async function deliverPushResults(options: Pick<PushResultReactorOptions, 'dispatch' | 'actor' | 'writer'>, results: PushResult[]): Promise<void> {
  if (results.length === 0) return;
  const event = {
    type: 'check_results',
    results: results.map((result) => checkResultEntry({ ...result, failure: result.error ? `${result.error.kind}: ${result.error.message}` : undefined })),
  };
  await options.dispatch('health', results[0]!.systemId, event, { actor: options.actor });
  await options.writer?.record(results);
}

/**
 * Turns the committed changes of push checks into check results (work-queue group `push-results`:
 * one node handles each change). A ping or a missed deadline is committed to the check first — by
 * the push route or the check's durable timer, whichever node holds it — and becomes a result
 * here, at least once per change and, through health's `executedAt` watermark, once in effect.
 * When a check stops being a push check (deleted, or another strategy), its push token is removed
 * and its `push` source is taken out of the system's health.
 */
export function startPushResultReactor(options: PushResultReactorOptions): Promise<Subscription> {
  const { log } = options;
  return onEntityChanged(options.bus, {
    kind: 'check',
    delivery: { mode: 'work-queue', group: 'push-results' },
    // In stream order on each node: results of one check apply oldest first.
    concurrency: 1,
    handler: async (change) => {
      await deliverPushResults(options, pushResultsOf(change));
      if (pushMonitorEnded(change)) {
        await options.tokens.remove(change.id);
        const prev = change.prev as { systemId: string; push: PushMonitor };
        // A monitor that never produced a result has nothing in health to remove.
        if (prev.push.lastPing !== null || prev.push.lastMissAt !== null) {
          await options.dispatch('health', prev.systemId, { type: 'check_removed', checkId: change.id, source: PUSH_RESULT_SOURCE }, { actor: options.actor });
        }
      }
    },
    onError: (error, info, parked) => log.warn({ err: error, subject: info.subject, parked }, 'push results of a check change not delivered; retried'),
  });
}
