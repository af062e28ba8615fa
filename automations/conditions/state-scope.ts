import { entityReferences, isPlainObject, type EntityReference } from '../expressions/index.ts';
import type { EntityView, StateReader } from './state-reader.ts';

/** Rounds of loading: an id may itself be read from state (`state.incident[state.system.s1.incident_id]`). */
const MAX_ROUNDS = 3;

/**
 * `scope` plus `state`: the entities that `sources` (expressions, or templates holding `{{`)
 * read through `state.<kind>.<id>`, as `state[kind][id] = { ...state, stateValue, version,
 * exists: true }`, or `{ exists: false }` for a missing entity. A health entity also gets
 * `in_status_for`: ms since its `status` last changed (0 when unknown). Entities already in
 * `scope.state` are not read again. Rejects when `reader` does.
 */
export async function buildStateScope(sources: readonly string[], scope: Record<string, unknown>, reader: StateReader, now: number): Promise<Record<string, unknown>> {
  const state = copyState(scope.state);
  let current: Record<string, unknown> = { ...scope, state };
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const missing = uniqueReferences(sources.flatMap((source) => entityReferences(source, current))).filter(
      (reference) => !Object.hasOwn(state[reference.kind] ?? {}, reference.id),
    );
    if (missing.length === 0) break;
    const entries = await Promise.all(missing.map((reference) => loadEntity(reference, reader, now)));
    missing.forEach((reference, index) => {
      const entities = (state[reference.kind] ??= {});
      entities[reference.id] = entries[index];
    });
    current = { ...scope, state };
  }
  return current;
}

async function loadEntity(reference: EntityReference, reader: StateReader, now: number): Promise<Record<string, unknown>> {
  const view: EntityView = await reader.read(reference.kind, reference.id);
  if (!view.exists) return { exists: false };
  const entry: Record<string, unknown> = { ...(view.state ?? {}), stateValue: view.stateValue, version: view.version, exists: true };
  if (reference.kind === 'health') {
    const since = await reader.since(reference.kind, reference.id, 'status');
    entry.in_status_for = since === null ? 0 : Math.max(0, now - since);
  }
  return entry;
}

function copyState(state: unknown): Record<string, Record<string, unknown>> {
  const copy: Record<string, Record<string, unknown>> = {};
  if (!isPlainObject(state)) return copy;
  for (const [kind, entities] of Object.entries(state)) if (isPlainObject(entities)) copy[kind] = { ...entities };
  return copy;
}

function uniqueReferences(references: EntityReference[]): EntityReference[] {
  const seen = new Map<string, EntityReference>();
  for (const reference of references) seen.set(`${reference.kind}\u0000${reference.id}`, reference);
  return [...seen.values()];
}
