import { createHash } from 'node:crypto';
import type { AutomationDefinition } from '../definition/automation-definition.ts';

const idSafe = /^[A-Za-z0-9_\-:@]{1,90}$/;

/**
 * The `automation_scope` entity a fire goes to: the automation itself, or (scope: context) the
 * automation and the trigger's context value (e.g. a system id). Context values that are not
 * id-safe or are long are hashed, so every value maps to one valid entity id.
 */
export function scopeIdFor(definition: Pick<AutomationDefinition, 'id' | 'scope'>, contextValue: string): { scopeId: string; contextValue: string | null } {
  if (definition.scope !== 'context') return { scopeId: definition.id, contextValue: null };
  const key = idSafe.test(contextValue) ? contextValue : `h-${createHash('sha256').update(contextValue).digest('hex').slice(0, 32)}`;
  return { scopeId: `${definition.id}:${key}`, contextValue };
}
