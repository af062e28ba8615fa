import { z } from 'zod';
import { automationTriggers } from './automation.triggers.ts';
import { catalogTriggers } from './catalog.triggers.ts';
import { healthcheckTriggers } from './healthcheck.triggers.ts';
import { incidentTriggers } from './incident.triggers.ts';
import { maintenanceTriggers } from './maintenance.triggers.ts';
import { satelliteTriggers } from './satellite.triggers.ts';
import type { TriggerDefinition } from './trigger-definition.ts';

// Defined in its own file so the domain files can use it without importing the registry (no cycle).
export { defineTrigger, type TriggerSpec } from './define-trigger.ts';

/** A trigger as shown to users and tools: its payload described as JSON Schema (draft 2020-12). */
export interface TriggerListing {
  id: string;
  displayName: string;
  category: string;
  description: string;
  contextKey: string;
  /** What `for:` waits on (e.g. "while the system is not healthy"); absent for momentary events, which refuse `for:`. */
  lasting?: string;
  payloadJsonSchema: Record<string, unknown>;
}

// ZodType is invariant in its output, so the typed definitions need a cast to the base type;
// sound for reading: every payload schema outputs an object and every contextKey is a string.
const allTriggers: readonly TriggerDefinition[] = [
  ...catalogTriggers,
  ...incidentTriggers,
  ...healthcheckTriggers,
  ...satelliteTriggers,
  ...maintenanceTriggers,
  ...automationTriggers,
] as unknown as readonly TriggerDefinition[];

const byId = new Map<string, TriggerDefinition>();
for (const definition of allTriggers) {
  if (byId.has(definition.id)) throw new Error(`trigger "${definition.id}" is defined twice`);
  byId.set(definition.id, definition);
}

/** Every trigger Vigil can fire, sorted by id. A fresh array on each call (safe to mutate). */
export function listTriggers(): TriggerListing[] {
  return [...byId.values()]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((definition) => ({
      id: definition.id,
      displayName: definition.displayName,
      category: definition.category,
      description: definition.description,
      contextKey: definition.contextKey,
      ...(definition.lasting ? { lasting: definition.lasting.description } : {}),
      payloadJsonSchema: z.toJSONSchema(definition.payloadSchema) as Record<string, unknown>,
    }));
}

/** The trigger with this id, or undefined when there is none. */
export function getTrigger(id: string): TriggerDefinition | undefined {
  return byId.get(id);
}
