import type { EntityChange, TriggerMessage } from '../machines/index.ts';

/** What one live-stream client asked for; null: any. Every filter given must match. */
export interface LiveFilter {
  kinds: ReadonlySet<string> | null;
  ids: ReadonlySet<string> | null;
  systems: ReadonlySet<string> | null;
  triggers: boolean;
}

/** The systems a change relates to: a system or its health by id, or the state's `systemId` / `systemIds`, before or after. */
export function systemsOfChange(change: EntityChange): string[] {
  const out: string[] = [];
  if (change.kind === 'system' || change.kind === 'health') out.push(change.id);
  for (const state of [change.prev, change.next]) if (state) collectSystems(state, out);
  return out;
}

/** The systems a trigger relates to: its source (a system or its health) and the payload's `systemId` / `systemIds`. */
export function systemsOfTrigger(trigger: TriggerMessage): string[] {
  const out: string[] = [];
  if (trigger.source.kind === 'system' || trigger.source.kind === 'health') out.push(trigger.source.id);
  collectSystems(trigger.payload, out);
  return out;
}

function collectSystems(record: Record<string, unknown>, out: string[]): void {
  if (typeof record.systemId === 'string') out.push(record.systemId);
  if (Array.isArray(record.systemIds)) for (const id of record.systemIds) if (typeof id === 'string') out.push(id);
}

function matches(filter: LiveFilter, kind: string, id: string, systems: () => string[]): boolean {
  if (filter.kinds && !filter.kinds.has(kind)) return false;
  if (filter.ids && !filter.ids.has(id)) return false;
  if (filter.systems) {
    const wanted = filter.systems;
    return systems().some((system) => wanted.has(system));
  }
  return true;
}

/** Whether a client with `filter` gets this change. `systems` is computed once per change by the caller. */
export function changeMatches(filter: LiveFilter, change: EntityChange, systems: () => string[]): boolean {
  return matches(filter, change.kind, change.id, systems);
}

/** Whether a client with `filter` gets this trigger envelope: only with `triggers`, then by its source entity and systems. */
export function triggerMatches(filter: LiveFilter, trigger: TriggerMessage, systems: () => string[]): boolean {
  return filter.triggers && matches(filter, trigger.source.kind, trigger.source.id, systems);
}
