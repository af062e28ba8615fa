import type { EntityView, StateReader } from './state-reader.ts';

interface StoredEntity {
  state: Record<string, unknown>;
  stateValue: unknown;
  version: number;
  /** Epoch ms since which each path ('' for the state value) has held its value. */
  since: Record<string, number>;
}

/** A `StateReader` over entities held in memory, for tests of code that evaluates conditions. */
export class InMemoryStateReader implements StateReader {
  private readonly entities = new Map<string, StoredEntity>();
  private readonly maintenance = new Map<string, Array<{ from: number; to: number }>>();
  /** Every `read` call, in order, as "kind:id". */
  readonly reads: string[] = [];

  set(kind: string, id: string, entity: { state: Record<string, unknown>; stateValue?: unknown; version?: number; since?: Record<string, number> }): this {
    this.entities.set(`${kind}:${id}`, { stateValue: null, version: 1, since: {}, ...entity });
    return this;
  }

  addMaintenanceWindow(systemId: string, from: number, to: number): this {
    this.maintenance.set(systemId, [...(this.maintenance.get(systemId) ?? []), { from, to }]);
    return this;
  }

  async read(kind: string, id: string): Promise<EntityView> {
    this.reads.push(`${kind}:${id}`);
    const entity = this.entities.get(`${kind}:${id}`);
    if (!entity) return { kind, id, exists: false, state: null, stateValue: null, version: 0 };
    return { kind, id, exists: true, state: structuredClone(entity.state), stateValue: entity.stateValue, version: entity.version };
  }

  async since(kind: string, id: string, path: string | undefined): Promise<number | null> {
    return this.entities.get(`${kind}:${id}`)?.since[path ?? ''] ?? null;
  }

  async inMaintenance(systemId: string, at: number): Promise<boolean> {
    return (this.maintenance.get(systemId) ?? []).some((window) => window.from <= at && at < window.to);
  }
}
