import { createHash } from 'node:crypto';
import type { AutomationDefinition } from '../definition/automation-definition.ts';

const idSafe = (maxLength: number) => new RegExp(`^[A-Za-z0-9_\\-:@]{1,${maxLength}}$`);

/**
 * A value as (part of) an entity id: as it is when id-safe and not longer than `maxLength`, else
 * hashed, so every value maps to one valid entity id.
 */
export function entityIdPart(value: string, maxLength = 90): string {
  return idSafe(maxLength).test(value) ? value : `h-${createHash('sha256').update(value).digest('hex').slice(0, 32)}`;
}

/**
 * The `automation_scope` entity a fire goes to: the automation itself, or (scope: context) the
 * automation and the trigger's context value (e.g. a system id).
 */
export function scopeIdFor(definition: Pick<AutomationDefinition, 'id' | 'scope'>, contextValue: string): { scopeId: string; contextValue: string | null } {
  if (definition.scope !== 'context') return { scopeId: definition.id, contextValue: null };
  return { scopeId: `${definition.id}:${entityIdPart(contextValue)}`, contextValue };
}

/** The `automation_dwell` entity of a `for:` trigger watching one source entity. */
export function dwellIdFor(automationId: string, triggerId: string, sourceId: string): string {
  return entityIdPart(`${automationId}:${triggerId}:${sourceId}`, 128);
}
