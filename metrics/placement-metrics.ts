import { Gauge, type Registry } from 'prom-client';
import { TallyCounter } from './tally-counter.ts';

/**
 * Placement: `vigil_partitions_owned` (read at scrape time: partitions this node may write now)
 * and `vigil_lease_renewals_total{result="ok"|"failed"}` (a failed renewal: the lease was taken,
 * or NATS did not answer).
 */
export function placementMetrics(registry: Registry, owned: () => number): (ok: boolean) => void {
  new Gauge({
    name: 'vigil_partitions_owned',
    help: 'Partitions this node owns (hosts and writes) now.',
    registers: [registry],
    collect() {
      this.set(owned());
    },
  });
  const renewals = new TallyCounter(registry, { name: 'vigil_lease_renewals_total', help: 'Partition lease renewals by this node, by result.', labelNames: ['result'] });
  const ok = renewals.tally('ok');
  const failed = renewals.tally('failed');
  return (renewed) => void (renewed ? ok.count++ : failed.count++);
}
