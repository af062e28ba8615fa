import type { Logger } from 'pino';
import { onEntityChanged } from '../../actors/index.ts';
import type { Bus, Subscription } from '../../bus/index.ts';
import type { AutomationDirectory } from './automation-directory.ts';
import { ENGINE_ACK_WAIT_MS } from './engine-timing.ts';
import type { WaitWaker } from './wait-waker.ts';

/**
 * Wakes `wait_until` runs on changes of the entities they read (work-queue group
 * `automation-waits`, every entity change once per cluster). Kinds no enabled automation waits on
 * are acknowledged without a lookup, so a busy kind (health) costs nothing until an automation
 * waits on it.
 */
export function startWaitWatcher(options: { bus: Bus; directory: AutomationDirectory; waker: WaitWaker; log: Logger }): Promise<Subscription> {
  const { bus, directory, waker, log } = options;
  return onEntityChanged(bus, {
    delivery: { mode: 'work-queue', group: 'automation-waits' },
    concurrency: 32,
    ackWaitMs: ENGINE_ACK_WAIT_MS,
    handler: async (change) => {
      if (change.kind.startsWith('automation') || !directory.isWatched(change.kind)) return;
      await waker.onEntityChanged(change.kind, change.id);
    },
    onError: (error, info, parked) => log.warn({ err: error, subject: info.subject, parked }, 'waking runs waiting on an entity failed; it is retried'),
  });
}
