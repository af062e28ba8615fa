import { Gauge, type Registry } from 'prom-client';
import type { ClockReading } from '../actors/index.ts';

/**
 * The host's clock against the cluster's (the database's; actors/cluster-clock.ts), read at
 * scrape time: `vigil_clock_offset_seconds` (positive: this host is ahead) and
 * `vigil_clock_uncertainty_seconds` (how far the estimate may be off).
 */
export function clockMetrics(registry: Registry, reading: () => ClockReading): void {
  new Gauge({
    name: 'vigil_clock_offset_seconds',
    help: "This host's wall clock minus the cluster's shared clock (the database's), seconds.",
    registers: [registry],
    collect() {
      this.set(reading().offsetMs / 1000);
    },
  });
  new Gauge({
    name: 'vigil_clock_uncertainty_seconds',
    help: 'Uncertainty of the shared clock estimate, seconds.',
    registers: [registry],
    collect() {
      this.set(reading().uncertaintyMs / 1000);
    },
  });
}
