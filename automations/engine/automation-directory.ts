import { onEntityChanged } from '../../actors/index.ts';
import type { Bus, Subscription } from '../../bus/index.ts';
import type { AutomationState } from '../../machines/index.ts';
import type { Database } from '../../persistence/index.ts';

/**
 * This node's view of the enabled automations, indexed by the trigger events they listen to.
 * Loaded from PostgreSQL at start, then kept current from `vigil.entity.automation.*` (every
 * node sees every change). A definition saved a moment ago may reach a node's router a moment
 * later: routing is eventually consistent with saves, never with runs (runs are decided by
 * the scope entities).
 */
export class AutomationDirectory {
  private readonly byId = new Map<string, AutomationState>();
  /** The newest version applied per automation, so a late or repeated change cannot undo a newer one. */
  private readonly versions = new Map<string, number>();
  private byEvent = new Map<string, AutomationState[]>();
  private subscription: Subscription | undefined;

  async start(bus: Bus, database: Database): Promise<void> {
    // Subscribe first, then load: a change in between is applied twice, never missed.
    this.subscription = await onEntityChanged(bus, {
      kind: 'automation',
      delivery: { mode: 'broadcast' },
      handler: async (change) => this.apply(change.id, (change.next as AutomationState | null) ?? null, change.version),
    });
    const rows = await database.query<{ id: string; state: AutomationState | null; version: number }>(
      `select id, state, version from entity_state where kind = 'automation'`,
    );
    for (const row of rows) this.apply(row.id, row.state, row.version);
  }

  /** Applies a stored or changed state unless a newer one was applied already. */
  private apply(id: string, state: AutomationState | null, version: number): void {
    if ((this.versions.get(id) ?? 0) >= version) return;
    this.versions.set(id, version);
    if (state && state.enabled) this.byId.set(id, state);
    else this.byId.delete(id);
    this.reindex();
  }

  private reindex(): void {
    const byEvent = new Map<string, AutomationState[]>();
    for (const automation of this.byId.values()) {
      const events = new Set(automation.definition.triggers.map((trigger) => trigger.event));
      for (const event of events) byEvent.set(event, [...(byEvent.get(event) ?? []), automation]);
    }
    this.byEvent = byEvent;
  }

  /** Enabled automations with a trigger on `event`. */
  listening(event: string): readonly AutomationState[] {
    return this.byEvent.get(event) ?? [];
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }
}
