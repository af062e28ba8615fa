import { walkConditions, type Condition } from '../definition/index.ts';
import { entityReferences, renderTemplate, type EntityReference } from '../expressions/index.ts';

/**
 * The entities `conditions` read, each once: those of expressions and numeric_state values
 * (`state.<kind>.<id>`) and the entity of each state condition (its `entity_id` rendered against
 * `scope`). A waiting run subscribes to their changes. Not included: maintenance conditions
 * (they depend on maintenance windows, not on one entity) and time conditions (they change with
 * the clock). Never throws; a reference that cannot be resolved is left out.
 */
export function conditionEntities(conditions: readonly Condition[], scope: Record<string, unknown>): EntityReference[] {
  const found = new Map<string, EntityReference>();
  const add = (references: EntityReference[]): void => {
    for (const reference of references) found.set(`${reference.kind}\u0000${reference.id}`, reference);
  };
  walkConditions(conditions, [], (condition) => {
    if (condition.condition === 'expression') add(entityReferences(condition.expression, scope));
    else if (condition.condition === 'numeric_state') add(entityReferences(condition.value, scope));
    else if (condition.condition === 'state') {
      add(entityReferences(condition.entity_id, scope));
      const id = renderQuietly(condition.entity_id, scope);
      if (id !== undefined) add([{ kind: condition.kind, id }]);
    }
  });
  return [...found.values()];
}

function renderQuietly(template: string, scope: Record<string, unknown>): string | undefined {
  try {
    const id = renderTemplate(template, scope);
    if (typeof id === 'number') return String(id);
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}
