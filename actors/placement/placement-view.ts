import { createStore } from '@xstate/store';
import type { ClusterEvent } from '../../bus/index.ts';

/** What this node has seen of the cluster, with local receipt times (TTL expiry sends no event). */
export interface PlacementViewContext {
  /** `standby`: the member said it owns no partitions now (see `Placement`). */
  members: Record<string, { seenAt: number; firstSeenAt: number; httpPort: number; standby: boolean }>;
  leases: Record<number, { owner: string; revision: number; seenAt: number }>;
}

/**
 * The node's view of members and partition owners, fed by the cluster bucket's watch. Local
 * state that never leaves the process, so a store rather than an entity; `subscribe` lets
 * waiting commands wake up as soon as an owner changes.
 */
export function createPlacementView(clock: () => number = Date.now) {
  return createStore({
    context: { members: {}, leases: {} } as PlacementViewContext,
    on: {
      observed: (context, { event }: { event: ClusterEvent }) => {
        const now = clock();
        if (event.type === 'member') {
          const members = { ...context.members };
          if (event.value) members[event.nodeId] = { seenAt: now, firstSeenAt: members[event.nodeId]?.firstSeenAt ?? now, httpPort: event.value.httpPort, standby: event.value.standby !== undefined };
          else delete members[event.nodeId];
          return { ...context, members };
        }
        const leases = { ...context.leases };
        if (event.value) leases[event.partition] = { owner: event.value.owner, revision: event.revision, seenAt: now };
        else delete leases[event.partition];
        return { ...context, leases };
      },
    },
  });
}

export type PlacementView = ReturnType<typeof createPlacementView>;
