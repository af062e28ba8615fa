import { describe, expect, it } from 'vitest';
import {
  incidentDefinition,
  incidentEventSchema,
  incidentMachine,
  incidentStateSchema,
  type IncidentEvent,
} from './incident.machine.ts';
import { run, send, start } from './test-support.ts';

const create: IncidentEvent = {
  type: 'create', title: 'API down', description: '', severity: 'major', systemIds: ['s1'], status: 'investigating', at: 100,
};
const open = (...events: IncidentEvent[]) => run(incidentMachine, [create, ...events], 'i1');
const stateOf = (...events: IncidentEvent[]) => incidentStateSchema.parse(incidentDefinition.toState(open(...events)));
const openStatuses = ['investigating', 'identified', 'fixing', 'monitoring'] as const;

describe('incident machine: lifecycle', () => {
  it('absent accepts only create; toState null', () => {
    const absent = start(incidentMachine, 'i1');
    expect(incidentDefinition.toState(absent)).toBeNull();
    for (const type of ['update', 'resolve', 'delete'] as const) expect(absent.can({ type, at: 1 } as IncidentEvent)).toBe(false);
    expect(absent.can({ type: 'post_update', message: 'x', at: 1 })).toBe(false);
    expect(absent.can({ type: 'reopen', message: '', status: 'investigating', at: 1 })).toBe(false);
  });

  it('create → investigating with the full reactive state', () => {
    const snapshot = open();
    expect(snapshot.value).toBe('investigating');
    expect(incidentDefinition.toState(snapshot)).toEqual({
      id: 'i1', title: 'API down', description: '', status: 'investigating', severity: 'major',
      systemIds: ['s1'], updates: [], createdAt: 100, resolvedAt: null,
    });
    expect(snapshot.can(create)).toBe(false);
  });

  it.each(openStatuses)('create may start in %s; the state value mirrors status', (status) => {
    const snapshot = run(incidentMachine, [{ ...create, status }]);
    expect(snapshot.value).toBe(status);
    expect(snapshot.context.status).toBe(status);
  });

  it('create may not start resolved (schema)', () => {
    const parsed = incidentEventSchema.safeParse({ type: 'create', title: 't', severity: 'minor', systemIds: [], status: 'resolved' });
    expect(parsed.success).toBe(false);
    expect(incidentEventSchema.parse({ type: 'create', title: 't', severity: 'minor', systemIds: [] })).toMatchObject({ status: 'investigating', description: '' });
  });

  it('update edits the given fields only', () => {
    const state = stateOf({ type: 'update', severity: 'critical', systemIds: ['s1', 's2'], at: 200 });
    expect(state).toMatchObject({ title: 'API down', severity: 'critical', systemIds: ['s1', 's2'], updates: [] });
  });
});

describe('incident machine: status changes', () => {
  it('post_update without status appends a note', () => {
    const state = stateOf({ type: 'post_update', message: 'looking', at: 200 });
    expect(state.status).toBe('investigating');
    expect(state.updates).toEqual([{ message: 'looking', at: 200 }]);
  });

  it.each(openStatuses)('post_update may move an open incident to %s', (status) => {
    const snapshot = open({ type: 'post_update', message: 'm', status: 'monitoring', at: 150 }, { type: 'post_update', message: 'go', status, at: 200 });
    expect(snapshot.value).toBe(status);
    const last = snapshot.context.updates.at(-1);
    expect(last).toEqual(status === 'monitoring' ? { message: 'go', at: 200 } : { message: 'go', statusChange: { from: 'monitoring', to: status }, at: 200 });
  });

  it('post_update with status resolved resolves', () => {
    const state = stateOf({ type: 'post_update', message: 'fixed', status: 'resolved', at: 300 });
    expect(state).toMatchObject({ status: 'resolved', resolvedAt: 300 });
    expect(state.updates).toEqual([{ message: 'fixed', statusChange: { from: 'investigating', to: 'resolved' }, at: 300 }]);
  });

  it.each(openStatuses)('resolve from %s → resolved with an update', (status) => {
    const snapshot = run(incidentMachine, [{ ...create, status }, { type: 'resolve', message: '', at: 300 }]);
    expect(snapshot.value).toBe('resolved');
    expect(snapshot.context).toMatchObject({ status: 'resolved', resolvedAt: 300 });
    expect(snapshot.context.updates).toEqual([{ message: '', statusChange: { from: status, to: 'resolved' }, at: 300 }]);
  });

  it('resolved: refuses resolve and a post_update to an open status, accepts notes and edits', () => {
    const resolved = open({ type: 'resolve', message: 'done', at: 300 });
    expect(resolved.can({ type: 'resolve', message: '', at: 400 })).toBe(false);
    expect(resolved.can({ type: 'post_update', message: 'back', status: 'identified', at: 400 })).toBe(false);
    const noted = send(incidentMachine, resolved, { type: 'post_update', message: 'postmortem', at: 400 });
    expect(noted.value).toBe('resolved');
    expect(noted.context.resolvedAt).toBe(300);
    expect(noted.context.updates.at(-1)).toEqual({ message: 'postmortem', at: 400 });
    const explicit = send(incidentMachine, resolved, { type: 'post_update', message: 'still', status: 'resolved', at: 400 });
    expect(explicit.context).toMatchObject({ status: 'resolved', resolvedAt: 300 });
    expect(send(incidentMachine, resolved, { type: 'update', title: 'API was down', at: 400 }).context.title).toBe('API was down');
  });

  it('reopen only from resolved; default investigating; clears resolvedAt', () => {
    expect(open().can({ type: 'reopen', message: '', status: 'investigating', at: 200 })).toBe(false);
    const resolved = open({ type: 'resolve', message: '', at: 300 });
    const reopened = send(incidentMachine, resolved, { type: 'reopen', message: 'again', status: 'investigating', at: 400 });
    expect(reopened.value).toBe('investigating');
    expect(reopened.context.resolvedAt).toBeNull();
    expect(reopened.context.updates.at(-1)).toEqual({ message: 'again', statusChange: { from: 'resolved', to: 'investigating' }, at: 400 });
    expect(incidentEventSchema.parse({ type: 'reopen' })).toEqual({ type: 'reopen', message: '', status: 'investigating' });
    const toFixing = send(incidentMachine, resolved, { type: 'reopen', message: '', status: 'fixing', at: 400 });
    expect(toFixing.value).toBe('fixing');
  });
});

describe('incident machine: delete', () => {
  it.each([['open', open()], ['resolved', open({ type: 'resolve', message: '', at: 300 })]])('delete from %s → deleted tombstone', (_, snapshot) => {
    const deleted = send(incidentMachine, snapshot, { type: 'delete', at: 500 });
    expect(deleted.value).toBe('deleted');
    expect(deleted.status).toBe('done');
    expect(incidentDefinition.toState(deleted)).toBeNull();
    expect(deleted.can({ type: 'update', title: 'x', at: 600 })).toBe(false);
    expect(deleted.can({ type: 'reopen', message: '', status: 'investigating', at: 600 })).toBe(false);
    expect(deleted.can(create)).toBe(false);
  });
});
