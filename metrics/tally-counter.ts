import { Counter, type Registry } from 'prom-client';

/** A count the hot path bumps with `tally.count += n`: a field write, nothing else. */
export interface Tally {
  count: number;
}

/**
 * A Prometheus counter kept in plain numbers and copied into prom-client's counter at scrape
 * time. prom-client's own `inc()` (also on a `.labels()` child) hashes the label set and
 * allocates on every call; this costs a field write, so it fits paths that run ~10k times a
 * second (satellite results). Get a child's `Tally` once (per connection, per subscription,
 * per label value) and keep it; the label values must come from a bounded set.
 */
export class TallyCounter<L extends string = never> {
  private readonly children = new Map<string, { labels: Partial<Record<L, string>>; tally: Tally }>();

  constructor(
    registry: Registry,
    private readonly config: { name: string; help: string; labelNames?: readonly L[] },
  ) {
    const children = this.children;
    new Counter<L>({
      name: config.name,
      help: config.help,
      labelNames: config.labelNames ?? [],
      registers: [registry],
      collect() {
        this.reset();
        for (const { labels, tally } of children.values()) this.inc(labels, tally.count);
      },
    });
  }

  /** The tally of these label values, in `labelNames` order (created at 0, so the series shows before the first event). */
  tally(...values: string[]): Tally {
    const key = values.join('\u0000');
    let child = this.children.get(key);
    if (!child) {
      const names = this.config.labelNames ?? [];
      if (values.length !== names.length) throw new Error(`${this.config.name} takes ${names.length} label values, got ${values.length}`);
      const labels: Partial<Record<L, string>> = {};
      names.forEach((name, index) => (labels[name] = values[index]!));
      this.children.set(key, (child = { labels, tally: { count: 0 } }));
    }
    return child.tally;
  }
}
