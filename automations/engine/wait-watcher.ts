import type { Logger } from 'pino';
import { onEntityChanged } from '../../actors/index.ts';
import type { Bus, Subscription } from '../../bus/index.ts';
import { stateEntityKinds } from '../expressions/index.ts';
import type { AutomationDirectory } from './automation-directory.ts';
import { ENGINE_ACK_WAIT_MS, ENGINE_MAX_DELIVERIES } from './engine-timing.ts';
import type { WaitWaker } from './wait-waker.ts';

/**
 * Wakes `wait_until` runs on changes of the entities they read: one work-queue group per kind a
 * condition can read (`automation-waits-<kind>`), so each change is looked at once per cluster
 * and the engine's own kinds (runs, scopes) never pass through here. Changes of a kind no enabled
 * automation's wait_until reads are acknowledged unread (neither parsed nor looked up), so a busy
 * kind (health) costs one delivery until an automation waits on it.
 */
export async function startWaitWatcher(options: { bus: Bus; directory: AutomationDirectory; waker: WaitWaker; log: Logger }): Promise<Subscription> {
  const { bus, directory, waker, log } = options;
  const subscriptions = await Promise.all(
    stateEntityKinds.map((kind) =>
      onEntityChanged(bus, {
        kind,
        delivery: { mode: 'work-queue', group: `automation-waits-${kind}` },
        concurrency: 16,
        ackWaitMs: ENGINE_ACK_WAIT_MS,
        maxDeliveries: ENGINE_MAX_DELIVERIES,
        // Not even parsed while no automation's wait_until reads the kind.
        wanted: () => directory.isWatched(kind),
        handler: (change) => waker.onEntityChanged(change.kind, change.id),
        onError: (error, info, parked) => log.warn({ err: error, subject: info.subject, parked }, 'waking runs waiting on an entity failed; it is retried'),
      }),
    ),
  );
  return {
    async stop() {
      await Promise.all(subscriptions.map((subscription) => subscription.stop()));
    },
  };
}
