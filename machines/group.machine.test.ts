import { describe, expect, it } from 'vitest';
import { groupDefinition, groupEventSchema, groupMachine, groupStateSchema } from './group.machine.ts';
import { send, start } from './test-support.ts';

const create = { type: 'create', name: 'Payments', metadata: { team: 'core' }, at: 1000 } as const;

describe('group machine', () => {
  it('does not exist before create and accepts only create', () => {
    const snapshot = start(groupMachine, 'g1');
    expect(snapshot.value).toBe('absent');
    expect(groupDefinition.toState(snapshot)).toBeNull();
    expect(snapshot.can({ type: 'update', name: 'x', at: 1 })).toBe(false);
    expect(snapshot.can({ type: 'delete', at: 1 })).toBe(false);
  });

  it('create → active with the reactive state', () => {
    const snapshot = send(groupMachine, start(groupMachine, 'g1'), create);
    expect(snapshot.value).toBe('active');
    const state = groupDefinition.toState(snapshot);
    expect(state).toEqual({ id: 'g1', name: 'Payments', metadata: { team: 'core' }, createdAt: 1000 });
    expect(groupStateSchema.parse(state)).toEqual(state);
    expect(snapshot.can(create)).toBe(false);
  });

  it('update edits given fields; repeating values yields an equal state', () => {
    const active = send(groupMachine, start(groupMachine, 'g1'), create);
    const renamed = send(groupMachine, active, { type: 'update', name: 'Billing', at: 2000 });
    expect(groupDefinition.toState(renamed)).toMatchObject({ name: 'Billing', metadata: { team: 'core' }, createdAt: 1000 });
    const same = send(groupMachine, renamed, { type: 'update', name: 'Billing', at: 3000 });
    expect(groupDefinition.toState(same)).toEqual(groupDefinition.toState(renamed));
  });

  it('delete → deleted (final), toState null, nothing accepted after', () => {
    const active = send(groupMachine, start(groupMachine, 'g1'), create);
    const deleted = send(groupMachine, active, { type: 'delete', at: 2000 });
    expect(deleted.value).toBe('deleted');
    expect(deleted.status).toBe('done');
    expect(groupDefinition.toState(deleted)).toBeNull();
    for (const event of [create, { type: 'update', name: 'x', at: 3 } as const, { type: 'delete', at: 3 } as const]) {
      expect(deleted.can(event)).toBe(false);
    }
  });

  it('event schema fills defaults and carries no `at`', () => {
    expect(groupEventSchema.parse({ type: 'create', name: 'A' })).toEqual({ type: 'create', name: 'A', metadata: {} });
    expect(groupEventSchema.safeParse({ type: 'create', name: '' }).success).toBe(false);
    expect(groupDefinition.timers(start(groupMachine))).toEqual([]);
  });
});
