import type { EntityKind } from './entity-change.ts';

/** Entities one command names in one of its fields, which must exist when the command is sent. */
export interface EntityReference {
  /** The event field that names them (`systemId`, `satelliteIds`, …). */
  field: string;
  kind: EntityKind;
  ids: string[];
}

/** Which event fields of which kinds name other entities of the catalog. */
const referenceFields: Partial<Record<EntityKind, ReadonlyArray<{ field: string; kind: EntityKind }>>> = {
  check: [
    { field: 'systemId', kind: 'system' },
    { field: 'satelliteIds', kind: 'satellite' },
  ],
  maintenance: [{ field: 'systemIds', kind: 'system' }],
  system: [{ field: 'groupIds', kind: 'group' }],
};

/**
 * The catalog entities a `create` or `update` event names. A check for a system that does not
 * exist, or run by a satellite nobody registered, would never report anything: such commands are
 * refused where they enter (the command router), not discovered later as silence. Incidents may
 * name any system (an incident can be about something Vigil does not monitor), so they are not
 * listed. Reads the event as sent; call it only for an event its kind's schema accepted.
 */
export function referencesOf(kind: EntityKind | string, event: unknown): EntityReference[] {
  const fields = referenceFields[kind as EntityKind];
  if (!fields || typeof event !== 'object' || event === null) return [];
  const { type } = event as { type?: unknown };
  if (type !== 'create' && type !== 'update') return [];
  const references: EntityReference[] = [];
  for (const { field, kind: referenced } of fields) {
    const value = (event as Record<string, unknown>)[field];
    const ids = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string') : [];
    if (ids.length > 0) references.push({ field, kind: referenced, ids: [...new Set(ids)] });
  }
  return references;
}
