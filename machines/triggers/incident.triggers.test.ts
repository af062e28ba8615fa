import { describe, expect, it } from 'vitest';
import { incidentDefinition, type IncidentEvent } from '../incident.machine.ts';
import { changesOf } from '../test-support.ts';
import { deriveIncidentTriggers } from './incident.triggers.ts';

const create: IncidentEvent = {
  type: 'create', title: 'API down', description: '', severity: 'major', systemIds: ['s1'], status: 'investigating', at: 1,
};
const fired = (events: IncidentEvent[]) =>
  changesOf(incidentDefinition, [create, ...events], 'i1').map((change) => deriveIncidentTriggers(change));

describe('incident triggers', () => {
  it('create fires incident.created with statusChange null', () => {
    expect(fired([])).toEqual([[{
      trigger: 'incident.created', contextKey: 'incidentId', contextValue: 'i1',
      payload: { incidentId: 'i1', systemIds: ['s1'], severity: 'major', status: 'investigating', statusChange: null, title: 'API down' },
    }]]);
  });

  it('field edits and notes fire incident.updated without a status change', () => {
    const [, edit, note] = fired([{ type: 'update', severity: 'critical', at: 2 }, { type: 'post_update', message: 'looking', at: 3 }]);
    expect(edit).toEqual([expect.objectContaining({ trigger: 'incident.updated', payload: expect.objectContaining({ severity: 'critical', statusChange: null }) })]);
    expect(note).toEqual([expect.objectContaining({ trigger: 'incident.updated', payload: expect.objectContaining({ statusChange: null }) })]);
  });

  it('a status change fires incident.updated with statusChange', () => {
    const [, moved] = fired([{ type: 'post_update', message: 'found it', status: 'identified', at: 2 }]);
    expect(moved).toEqual([expect.objectContaining({
      trigger: 'incident.updated', payload: expect.objectContaining({ status: 'identified', statusChange: { from: 'investigating', to: 'identified' } }),
    })]);
  });

  it.each<IncidentEvent>([
    { type: 'resolve', message: '', at: 2 },
    { type: 'post_update', message: 'fixed', status: 'resolved', at: 2 },
  ])('a change into resolved fires only incident.resolved ($type)', (event) => {
    const [, resolved] = fired([event]);
    expect(resolved).toEqual([expect.objectContaining({
      trigger: 'incident.resolved', payload: expect.objectContaining({ status: 'resolved', statusChange: { from: 'investigating', to: 'resolved' } }),
    })]);
  });

  it('a note on a resolved incident fires updated; reopen fires updated with statusChange; delete fires nothing', () => {
    const [, , note, reopen, remove] = fired([
      { type: 'resolve', message: '', at: 2 },
      { type: 'post_update', message: 'postmortem', at: 3 },
      { type: 'reopen', message: '', status: 'fixing', at: 4 },
      { type: 'delete', at: 5 },
    ]);
    expect(note).toEqual([expect.objectContaining({ trigger: 'incident.updated', payload: expect.objectContaining({ statusChange: null }) })]);
    expect(reopen).toEqual([expect.objectContaining({ trigger: 'incident.updated', payload: expect.objectContaining({ statusChange: { from: 'resolved', to: 'fixing' } }) })]);
    expect(remove).toEqual([]);
  });
});
