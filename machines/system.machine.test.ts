import { describe, expect, it } from 'vitest';
import { systemDefinition, systemMachine, type SystemEvent } from './system.machine.ts';
import { send, start } from './test-support.ts';

const create: SystemEvent = { type: 'create', name: 'API', description: '', metadata: {}, groupIds: ['g1'], at: 10 };

describe('system machine', () => {
  it('absent accepts only create', () => {
    const snapshot = start(systemMachine, 's1');
    expect(systemDefinition.toState(snapshot)).toBeNull();
    expect(snapshot.can({ type: 'update', at: 1 })).toBe(false);
    expect(snapshot.can({ type: 'delete', at: 1 })).toBe(false);
  });

  it('create → active, update edits, delete → deleted (final)', () => {
    const active = send(systemMachine, start(systemMachine, 's1'), create);
    expect(systemDefinition.toState(active)).toEqual({
      id: 's1', name: 'API', description: '', metadata: {}, groupIds: ['g1'], createdAt: 10,
    });
    expect(active.can(create)).toBe(false);
    const updated = send(systemMachine, active, { type: 'update', description: 'public API', groupIds: [], at: 20 });
    expect(systemDefinition.toState(updated)).toMatchObject({ name: 'API', description: 'public API', groupIds: [] });
    const deleted = send(systemMachine, updated, { type: 'delete', at: 30 });
    expect(deleted.status).toBe('done');
    expect(systemDefinition.toState(deleted)).toBeNull();
    expect(deleted.can({ type: 'update', at: 40 })).toBe(false);
  });
});
