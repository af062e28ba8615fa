import { expect, it } from 'vitest';
import { conditionSchema } from '../definition/index.ts';
import { conditionEntities } from './condition-entities.ts';

it('lists the entities a wait_until condition list reads, for change subscriptions', () => {
  const conditions = [
    'state.incident[artifacts.incident.id].status == "resolved"',
    { condition: 'or', conditions: [{ condition: 'numeric_state', value: 'state.health.s1.in_status_for', above: 1 }, 'state.incident[artifacts.incident.id].muted'] },
    { condition: 'state', kind: 'system', entity_id: '{{ trigger.payload.systemId }}', equals: 'active' },
    { condition: 'state', kind: 'system', entity_id: '{{ trigger.payload.nope }}', equals: 'active' },
    { condition: 'maintenance', system_id: 's1' },
    { condition: 'time', after: '10:00' },
  ].map((input) => conditionSchema.parse(input));
  const scope = { artifacts: { incident: { id: 'inc-1' } }, trigger: { payload: { systemId: 's7' } } };
  expect(conditionEntities(conditions, scope)).toEqual([
    { kind: 'incident', id: 'inc-1' },
    { kind: 'health', id: 's1' },
    { kind: 'system', id: 's7' },
  ]);
});
