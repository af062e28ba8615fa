import { onEntityChanged } from '../../actors/index.ts';
import type { Bus, Subscription } from '../../bus/index.ts';
import { getTrigger, type AutomationState } from '../../machines/index.ts';
import type { Trigger } from '../definition/automation-definition.ts';
import { walkConditions, walkSteps } from '../definition/index.ts';
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
  private dwellsBySourceKind = new Map<string, Array<{ automation: AutomationState; trigger: Trigger }>>();
  private awaitedTriggers = new Set<string>();
  private watchedKinds = new Set<string>();
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
    const dwells = new Map<string, Array<{ automation: AutomationState; trigger: Trigger }>>();
    for (const automation of this.byId.values()) {
      const events = new Set(automation.definition.triggers.map((trigger) => trigger.event));
      for (const event of events) byEvent.set(event, [...(byEvent.get(event) ?? []), automation]);
      for (const trigger of automation.definition.triggers) {
        const kind = trigger.for !== undefined ? getTrigger(trigger.event)?.lasting?.kind : undefined;
        if (kind) dwells.set(kind, [...(dwells.get(kind) ?? []), { automation, trigger }]);
      }
    }
    this.byEvent = byEvent;
    this.dwellsBySourceKind = dwells;
    const awaited = new Set<string>();
    const watched = new Set<string>();
    for (const automation of this.byId.values()) {
      walkSteps(automation.definition.actions, ['actions'], (step) => {
        if ('wait_for_trigger' in step) awaited.add(step.wait_for_trigger.event);
        if ('wait_until' in step) for (const kind of kindsRead(step.wait_until.conditions)) watched.add(kind);
      });
    }
    this.awaitedTriggers = awaited;
    this.watchedKinds = watched;
  }

  /** Enabled automations with a trigger on `event`. */
  listening(event: string): readonly AutomationState[] {
    return this.byEvent.get(event) ?? [];
  }

  /** `for:` triggers (of enabled automations) that watch entities of `kind`. */
  dwellingOn(kind: string): ReadonlyArray<{ automation: AutomationState; trigger: Trigger }> {
    return this.dwellsBySourceKind.get(kind) ?? [];
  }

  /** Some enabled automation has a wait_for_trigger on `event`. */
  isAwaited(event: string): boolean {
    return this.awaitedTriggers.has(event);
  }

  /** Some enabled automation has a wait_until reading entities of `kind`. */
  isWatched(kind: string): boolean {
    return this.watchedKinds.has(kind);
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }
}

/** Entity kinds conditions read: state conditions, `state.<kind>` in expressions, maintenance. */
function kindsRead(conditions: Parameters<typeof walkConditions>[0]): Set<string> {
  const kinds = new Set<string>();
  walkConditions(conditions, [], (condition) => {
    if (condition.condition === 'state') kinds.add(condition.kind);
    else if (condition.condition === 'maintenance') kinds.add('maintenance');
    const source = condition.condition === 'expression' ? condition.expression : condition.condition === 'numeric_state' ? condition.value : '';
    for (const match of source.matchAll(/\bstate\.([a-z_]+)/g)) kinds.add(match[1]!);
  });
  return kinds;
}
