import type { z } from 'zod';

/**
 * What the running system offers, for save-time validation: the trigger events that exist and
 * the actions with their config schemas. Built by the engine from its trigger and action registries.
 */
export interface AutomationCatalog {
  /** Qualified trigger ids, e.g. `healthcheck.system.degraded`. */
  triggers: ReadonlySet<string>;
  /** Action id (e.g. `incident.create`) → its config schemas. */
  actions: ReadonlyMap<string, CatalogAction>;
}

export interface CatalogAction {
  /** Config schema per version (positive integers); a step without `version` uses the highest. */
  versions: ReadonlyMap<number, z.ZodType>;
  /** Top-level config keys that must be exactly one `${{ secrets.NAME }}` reference (e.g. a signing key). */
  secretFields?: readonly string[];
}

/** The version a step runs: the one it names, else the highest known; undefined when the action has no versions. */
export function resolveActionVersion(action: CatalogAction, requested: number | undefined): number | undefined {
  if (requested !== undefined) return action.versions.has(requested) ? requested : undefined;
  let latest: number | undefined;
  for (const version of action.versions.keys()) if (latest === undefined || version > latest) latest = version;
  return latest;
}
