import { describe, expect, it } from 'vitest';
import { groupDefinition } from '../group.machine.ts';
import { systemDefinition } from '../system.machine.ts';
import { changesOf } from '../test-support.ts';
import { deriveCatalogTriggers } from './catalog.triggers.ts';

describe('catalog triggers', () => {
  const changes = changesOf(systemDefinition, [
    { type: 'create', name: 'API', description: '', metadata: {}, groupIds: [], at: 1 },
    { type: 'update', name: 'API', at: 2 }, // no-op: no change, no trigger
    { type: 'update', name: 'Public API', groupIds: ['g1'], at: 3 },
    { type: 'delete', at: 4 },
  ], 's1');

  it('created / updated (with changedFields) / deleted from system changes', () => {
    expect(changes.map((change) => deriveCatalogTriggers(change))).toEqual([
      [{ trigger: 'catalog.created', contextKey: 'systemId', contextValue: 's1', payload: {
        systemId: 's1', systemName: 'API', changedFields: ['createdAt', 'description', 'groupIds', 'id', 'metadata', 'name'],
      } }],
      [{ trigger: 'catalog.updated', contextKey: 'systemId', contextValue: 's1', payload: {
        systemId: 's1', systemName: 'Public API', changedFields: ['groupIds', 'name'],
      } }],
      [expect.objectContaining({ trigger: 'catalog.deleted', payload: expect.objectContaining({ systemName: 'Public API' }) })],
    ]);
  });

  it('group created and deleted; group updates fire nothing', () => {
    const groupChanges = changesOf(groupDefinition, [
      { type: 'create', name: 'Core', metadata: {}, at: 1 },
      { type: 'update', name: 'Core services', at: 2 },
      { type: 'delete', at: 3 },
    ], 'g1');
    expect(groupChanges.map((change) => deriveCatalogTriggers(change))).toEqual([
      [{ trigger: 'catalog.group.created', contextKey: 'groupId', contextValue: 'g1', payload: { groupId: 'g1', groupName: 'Core' } }],
      [],
      [{ trigger: 'catalog.group.deleted', contextKey: 'groupId', contextValue: 'g1', payload: { groupId: 'g1', groupName: 'Core services' } }],
    ]);
  });

  it('ignores other kinds', () => {
    expect(deriveCatalogTriggers({ ...changes[0]!, kind: 'incident' })).toEqual([]);
  });
});
