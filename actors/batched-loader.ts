import type { StoredEntity, TransitionStore } from '../persistence/index.ts';

interface Waiting {
  resolve: (row: StoredEntity | null) => void;
  reject: (error: unknown) => void;
}

/**
 * Reads of entity rows, batched: every `load` issued in the same turn of the event loop, per
 * kind, becomes one `select … where id in (…)`. A burst of activations (10,000 entities created
 * at once) then costs a few dozen queries instead of 10,000 queued on the connection pool.
 */
export class BatchedLoader {
  private readonly waiting = new Map<string, Map<string, Waiting[]>>();
  private scheduled = false;

  constructor(
    private readonly store: TransitionStore,
    private readonly maxBatch = 500,
  ) {}

  load(kind: string, id: string): Promise<StoredEntity | null> {
    return new Promise((resolve, reject) => {
      let byId = this.waiting.get(kind);
      if (!byId) this.waiting.set(kind, (byId = new Map()));
      const list = byId.get(id) ?? [];
      list.push({ resolve, reject });
      byId.set(id, list);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const pending = [...this.waiting];
    this.waiting.clear();
    for (const [kind, byId] of pending) {
      const ids = [...byId.keys()];
      for (let start = 0; start < ids.length; start += this.maxBatch) {
        const chunk = ids.slice(start, start + this.maxBatch);
        this.store.loadMany(kind, chunk).then(
          (rows) => {
            const found = new Map(rows.map((row) => [row.id, row]));
            for (const id of chunk) for (const waiting of byId.get(id)!) waiting.resolve(found.get(id) ?? null);
          },
          (error) => {
            for (const id of chunk) for (const waiting of byId.get(id)!) waiting.reject(error);
          },
        );
      }
    }
  }
}
