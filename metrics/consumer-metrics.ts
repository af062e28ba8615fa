import { Gauge, type Registry } from 'prom-client';
import type { DeliveryObserver } from '../bus/index.ts';
import { cachedRead } from './scrape-cache.ts';
import type { MetricSource } from './source-errors.ts';
import { TallyCounter, type Tally } from './tally-counter.ts';

export interface ConsumerSources {
  /** The durable work-queue consumers as JetStream reports them now (node/cluster-status.ts `readConsumers`). */
  consumers(): Promise<Array<{ stream: string; group: string; pending: number; ackPending: number }>>;
  /** Messages parked per group now (node/cluster-status.ts `readParked`). */
  parked(): Promise<Array<{ group: string; messages: number }>>;
}

/**
 * Work-queue consumers. Cluster-wide, read from JetStream at scrape time and cached for `ttlMs`
 * (a scrape storm makes one request per period; aggregate with max over nodes):
 * `vigil_consumer_pending_messages{group,stream}` — messages not yet delivered to the group
 * (its lag); `vigil_consumer_ack_pending_messages{group,stream}` — delivered, not yet acked;
 * `vigil_parked_messages{group}` — messages on the group's parked subject. Per node:
 * `vigil_consumer_redeliveries_total{group}` and `vigil_consumer_parked_total{group}`
 * (every broadcast subscriber counts as group `broadcast`).
 */
export function consumerMetrics(registry: Registry, sources: ConsumerSources, failed: (source: MetricSource) => void, ttlMs = 5_000): DeliveryObserver {
  const consumers = cachedRead(ttlMs, () => sources.consumers());
  const parked = cachedRead(ttlMs, () => sources.parked());
  const fromConsumers = async (gauge: Gauge<'group' | 'stream'>, value: (consumer: { pending: number; ackPending: number }) => number) => {
    gauge.reset();
    try {
      for (const consumer of await consumers()) gauge.set({ group: consumer.group, stream: consumer.stream }, value(consumer));
    } catch {
      failed('consumers');
    }
  };
  new Gauge({
    name: 'vigil_consumer_pending_messages',
    help: 'Messages of the stream not yet delivered to the work-queue group (its lag; cluster-wide, read from JetStream).',
    labelNames: ['group', 'stream'],
    registers: [registry],
    async collect() {
      await fromConsumers(this, (consumer) => consumer.pending);
    },
  });
  new Gauge({
    name: 'vigil_consumer_ack_pending_messages',
    help: 'Messages delivered to the work-queue group and not yet acknowledged (cluster-wide, read from JetStream).',
    labelNames: ['group', 'stream'],
    registers: [registry],
    async collect() {
      await fromConsumers(this, (consumer) => consumer.ackPending);
    },
  });
  new Gauge({
    name: 'vigil_parked_messages',
    help: 'Messages parked per group (given up after their deliveries; cluster-wide, read from JetStream).',
    labelNames: ['group'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        // Broadcast subscribers park under random group names: one series for all of them.
        const byGroup = new Map<string, number>();
        for (const { group, messages } of await parked()) {
          const label = group.startsWith('broadcast-') ? 'broadcast' : group;
          byGroup.set(label, (byGroup.get(label) ?? 0) + messages);
        }
        for (const [group, messages] of byGroup) this.set({ group }, messages);
      } catch {
        failed('parked');
      }
    },
  });
  const redeliveries = new TallyCounter(registry, { name: 'vigil_consumer_redeliveries_total', help: 'Messages handled again after a failed or unacknowledged delivery, by group (this node).', labelNames: ['group'] });
  const parkedHere = new TallyCounter(registry, { name: 'vigil_consumer_parked_total', help: 'Messages this node parked, by group.', labelNames: ['group'] });
  return {
    group(group: string) {
      const again: Tally = redeliveries.tally(group);
      const gaveUp: Tally = parkedHere.tally(group);
      return {
        redelivered: () => void again.count++,
        parked: () => void gaveUp.count++,
      };
    },
  };
}
