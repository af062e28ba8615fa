import { describe, expect, it } from 'vitest';
import {
  satelliteDefinition,
  satelliteEventSchema,
  satelliteMachine,
  satelliteStateSchema,
  type SatelliteEvent,
} from './satellite.machine.ts';
import { run, send, start } from './test-support.ts';

const register: SatelliteEvent = { type: 'register', name: 'eu-1', region: 'eu-west', heartbeatThresholdMs: 45_000, at: 1000 };
const connect: SatelliteEvent = { type: 'connect', at: 2000 };
const online = (...events: SatelliteEvent[]) => run(satelliteMachine, [register, connect, ...events], 'sat1');
const stateOf = (snapshot: ReturnType<typeof online>) => satelliteStateSchema.parse(satelliteDefinition.toState(snapshot));
const timeout = (dueAt: number, at: number): SatelliteEvent => ({ type: 'heartbeat_timeout', dueAt, at });

describe('satellite machine: registration', () => {
  it('does not exist before register and accepts only register', () => {
    const absent = start(satelliteMachine, 'sat1');
    expect(satelliteDefinition.toState(absent)).toBeNull();
    for (const type of ['connect', 'heartbeat', 'disconnect', 'remove'] as const) expect(absent.can({ type, at: 1 })).toBe(false);
    expect(absent.can(timeout(1, 1))).toBe(false);
  });

  it('register → registered with defaults; no timer', () => {
    const registered = run(satelliteMachine, [register], 'sat1');
    expect(satelliteDefinition.toState(registered)).toEqual({
      id: 'sat1', name: 'eu-1', region: 'eu-west', status: 'registered', lastSeenAt: null, heartbeatThresholdMs: 45_000,
      heartbeatDueAt: null, offlineReason: null, registeredAt: 1000, connected: false, session: null,
    });
    expect(satelliteDefinition.timers(registered)).toEqual([]);
    expect(registered.can(register)).toBe(false);
    expect(registered.can({ type: 'disconnect', at: 2 })).toBe(false);
    expect(registered.can(timeout(1, 2))).toBe(false);
    expect(satelliteEventSchema.parse({ type: 'register', name: 'a', region: 'b' })).toMatchObject({ heartbeatThresholdMs: 45_000 });
  });

  it.each(['connect', 'heartbeat'] as const)('%s from registered → online with a heartbeat deadline', (type) => {
    const snapshot = run(satelliteMachine, [register, { type, at: 2000 }]);
    expect(snapshot.value).toBe('online');
    expect(stateOf(snapshot)).toMatchObject({ status: 'online', lastSeenAt: 2000, heartbeatDueAt: 47_000, offlineReason: null });
    expect(satelliteDefinition.timers(snapshot)).toEqual([
      { name: 'heartbeat', dueAt: 47_000, event: { type: 'heartbeat_timeout', dueAt: 47_000 } },
    ]);
  });
});

describe('satellite machine: online', () => {
  it('heartbeat and connect refresh lastSeenAt and the deadline', () => {
    expect(stateOf(online({ type: 'heartbeat', at: 30_000 }))).toMatchObject({ lastSeenAt: 30_000, heartbeatDueAt: 75_000 });
    expect(stateOf(online({ type: 'connect', at: 31_000 }))).toMatchObject({ lastSeenAt: 31_000, heartbeatDueAt: 76_000 });
  });

  it('a heartbeat stamped earlier than the last one never moves time backwards', () => {
    expect(stateOf(online({ type: 'heartbeat', at: 30_000 }, { type: 'heartbeat', at: 29_000 }))).toMatchObject({ lastSeenAt: 30_000, heartbeatDueAt: 75_000 });
  });

  it('disconnect keeps it online until the heartbeat deadline, which still runs', () => {
    const disconnected = online({ type: 'disconnect', at: 3000 });
    expect(stateOf(disconnected)).toMatchObject({ status: 'online', connected: false, heartbeatDueAt: 47_000, offlineReason: null, lastSeenAt: 2000 });
    expect(satelliteDefinition.timers(disconnected)).toEqual([{ name: 'heartbeat', dueAt: 47_000, event: { type: 'heartbeat_timeout', dueAt: 47_000 } }]);
    const lost = send(satelliteMachine, disconnected, timeout(47_000, 47_000));
    expect(stateOf(lost)).toMatchObject({ status: 'offline', connected: false, offlineReason: 'heartbeat_lost' });
    // Reconnecting in time keeps it online, connected again.
    const back = send(satelliteMachine, disconnected, { type: 'connect', at: 4000 });
    expect(stateOf(back)).toMatchObject({ status: 'online', connected: true, heartbeatDueAt: 49_000 });
  });

  it('the current deadline, at or after due → offline (heartbeat_lost)', () => {
    const snapshot = online();
    expect(snapshot.can(timeout(47_000, 47_000))).toBe(true);
    const lost = send(satelliteMachine, snapshot, timeout(47_000, 50_000));
    expect(stateOf(lost)).toMatchObject({ status: 'offline', offlineReason: 'heartbeat_lost', heartbeatDueAt: null });
  });

  it('ignores early, stale and repeated timer events', () => {
    const snapshot = online();
    expect(snapshot.can(timeout(47_000, 46_999))).toBe(false);
    const refreshed = send(satelliteMachine, snapshot, { type: 'heartbeat', at: 40_000 });
    expect(refreshed.can(timeout(47_000, 50_000))).toBe(false); // stale: deadline moved to 85 000
    expect(send(satelliteMachine, refreshed, timeout(47_000, 50_000))).toEqual(refreshed);
    const lost = send(satelliteMachine, refreshed, timeout(85_000, 85_000));
    expect(lost.value).toBe('offline');
    expect(lost.can(timeout(85_000, 90_000))).toBe(false); // a redelivery after the edge
  });

  it('update renames and re-bases the running deadline on a new threshold', () => {
    const updated = online({ type: 'update', region: 'eu-central', heartbeatThresholdMs: 10_000, at: 3000 });
    expect(stateOf(updated)).toMatchObject({ name: 'eu-1', region: 'eu-central', heartbeatThresholdMs: 10_000, heartbeatDueAt: 12_000 });
    const registered = run(satelliteMachine, [register, { type: 'update', name: 'eu-2', heartbeatThresholdMs: 10_000, at: 3 }]);
    expect(stateOf(registered)).toMatchObject({ name: 'eu-2', heartbeatThresholdMs: 10_000, heartbeatDueAt: null });
  });
});

describe('satellite machine: offline and removed', () => {
  it.each(['connect', 'heartbeat'] as const)('%s from offline → online, reason cleared', (type) => {
    const back = online({ type: 'disconnect', at: 3000 }, { type, at: 9000 });
    expect(stateOf(back)).toMatchObject({ status: 'online', offlineReason: null, lastSeenAt: 9000, heartbeatDueAt: 54_000 });
  });

  it('disconnect while offline is accepted: the socket of a lost satellite closing', () => {
    const lost = online(timeout(47_000, 47_000));
    const event: SatelliteEvent = { type: 'disconnect', at: 48_000 };
    expect(lost.can(event)).toBe(true);
    expect(stateOf(send(satelliteMachine, lost, event))).toEqual({ ...stateOf(lost), connected: false });
    expect(stateOf(send(satelliteMachine, lost, { type: 'update', name: 'x', at: 1 }))).toMatchObject({ name: 'x', heartbeatDueAt: null });
  });

  it.each([
    ['registered', run(satelliteMachine, [register])],
    ['online', online()],
    ['offline', online(timeout(47_000, 47_000))],
  ])('remove from %s → removed (final)', (_, snapshot) => {
    const removed = send(satelliteMachine, snapshot, { type: 'remove', at: 5000 });
    expect(removed.value).toBe('removed');
    expect(removed.status).toBe('done');
    expect(satelliteDefinition.toState(removed)).toBeNull();
    expect(satelliteDefinition.timers(removed)).toEqual([]);
    expect(removed.can(connect)).toBe(false);
    expect(removed.can(register)).toBe(false);
  });

  it('marks heartbeat_timeout internal', () => {
    expect(satelliteDefinition.internalEventTypes).toEqual(['heartbeat_timeout']);
  });
});

describe('satellite machine: sessions (v3)', () => {
  const via = (node: string, id: string, at: number): SatelliteEvent => ({ type: 'connect', session: { node, id }, at });
  const close = (sessionId: string, at: number): SatelliteEvent => ({ type: 'disconnect', sessionId, at });

  it('connect records the session; the latest connect wins', () => {
    const first = run(satelliteMachine, [register, via('node-1', 'a', 2000)]);
    expect(stateOf(first)).toMatchObject({ connected: true, session: { node: 'node-1', id: 'a' } });
    const moved = send(satelliteMachine, first, via('node-2', 'b', 3000));
    expect(stateOf(moved)).toMatchObject({ connected: true, session: { node: 'node-2', id: 'b' }, lastSeenAt: 3000 });
  });

  it('the close of an older session is refused and changes nothing; the current one disconnects and clears the session', () => {
    const moved = run(satelliteMachine, [register, via('node-1', 'a', 2000), via('node-2', 'b', 3000)]);
    expect(moved.can(close('a', 4000))).toBe(false);
    const closed = send(satelliteMachine, moved, close('b', 4000));
    expect(stateOf(closed)).toMatchObject({ status: 'online', connected: false, session: null });
    // Closing it again (the node and a cleanup both report it) is accepted and changes nothing.
    expect(closed.can(close('b', 4100))).toBe(true);
    expect(stateOf(send(satelliteMachine, closed, close('b', 4100)))).toEqual(stateOf(closed));
  });

  it('guards the session while offline too', () => {
    const lost = run(satelliteMachine, [register, via('node-1', 'a', 2000), timeout(47_000, 47_000)]);
    expect(lost.can(close('z', 48_000))).toBe(false);
    expect(stateOf(send(satelliteMachine, lost, close('a', 48_000)))).toMatchObject({ status: 'offline', connected: false, session: null });
  });

  it('a disconnect without a session id, or a state without a session (v2), applies as in v2', () => {
    const withSession = run(satelliteMachine, [register, via('node-1', 'a', 2000)]);
    expect(stateOf(send(satelliteMachine, withSession, { type: 'disconnect', at: 3000 }))).toMatchObject({ connected: false, session: null });
    const legacy = run(satelliteMachine, [register, connect]);
    expect(stateOf(legacy)).toMatchObject({ connected: true, session: null });
    expect(stateOf(send(satelliteMachine, legacy, close('anything', 3000)))).toMatchObject({ connected: false });
    // A stored v2 context has no `session` key at all.
    const { session: _session, ...v2Context } = legacy.context;
    const restored = satelliteMachine.resolveState({ value: 'online', context: v2Context as typeof legacy.context });
    expect(satelliteDefinition.toState(restored)).toMatchObject({ connected: true, session: null });
    expect(restored.can(close('anything', 3000))).toBe(true);
  });

  it('validates session fields', () => {
    expect(satelliteEventSchema.safeParse({ type: 'connect', session: { node: '', id: 'a' } }).success).toBe(false);
    expect(satelliteEventSchema.safeParse({ type: 'disconnect', sessionId: '' }).success).toBe(false);
    expect(satelliteEventSchema.safeParse({ type: 'connect', session: { node: 'n', id: 'a' } }).success).toBe(true);
  });
});
