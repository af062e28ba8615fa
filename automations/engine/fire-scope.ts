import { createHash } from 'node:crypto';
import type { FiredTrigger } from '../../machines/index.ts';
import type { AutomationDefinition } from '../definition/automation-definition.ts';
import type { Dispatch } from './dispatch.ts';
import { scopeIdFor } from './scope-id.ts';

/** A command id (≤ 128 printable characters) that is the same for the same inputs on every node. */
export function stableCommandId(prefix: string, ...parts: Array<string | number>): string {
  return `${prefix}-${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 40)}`;
}

/**
 * Sends `fire` to the automation's scope entity, which decides by mode whether a run starts.
 * `commandId` must identify what fired (a trigger event, a `for:` episode, a window occurrence),
 * so a retried or redelivered fire is applied once.
 */
export async function fireScope(dispatch: Dispatch, definition: AutomationDefinition, trigger: FiredTrigger, commandId: string): Promise<void> {
  const { scopeId, contextValue } = scopeIdFor(definition, trigger.contextValue);
  await dispatch(
    'automation_scope',
    scopeId,
    { type: 'fire', automationId: definition.id, contextValue, mode: definition.mode, max: definition.max, trigger },
    { commandId, actor: `automation:${definition.id}` },
  );
}
