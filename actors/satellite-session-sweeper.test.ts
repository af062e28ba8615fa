import { describe, expect, it } from 'vitest';
import type { ClusterBucket, MemberValue } from '../bus/index.ts';
import type { LeaseStore } from '../persistence/index.ts';
import { Placement } from './placement/placement.ts';
import { sessionsToRepair, type SessionView } from './satellite-session-sweeper.ts';

const view = (overrides: Partial<SessionView> = {}): SessionView => ({
  nodeId: 'node-2',
  heldSession: () => undefined,
  ownsSatellite: () => true,
  isGone: (nodeId) => nodeId === 'node-1',
  ...overrides,
});

describe('sessionsToRepair', () => {
  it('disconnects sessions of a gone node, only for satellites whose partition this node owns', () => {
    const connected = [
      { satelliteId: 'a', session: { node: 'node-1', id: 's-a' } },
      { satelliteId: 'b', session: { node: 'node-1', id: 's-b' } },
      { satelliteId: 'c', session: { node: 'node-3', id: 's-c' } }, // a live node
    ];
    expect(sessionsToRepair(connected, view({ ownsSatellite: (id) => id !== 'b' }))).toEqual([{ satelliteId: 'a', event: { type: 'disconnect', sessionId: 's-a' } }]);
  });

  it("judges its own sessions against the sockets it holds, whoever owns the partition (a restart with the same id)", () => {
    const connected = [
      { satelliteId: 'held', session: { node: 'node-2', id: 's1' } },
      { satelliteId: 'gone', session: { node: 'node-2', id: 's2' } },
      { satelliteId: 'moved', session: { node: 'node-2', id: 's3' } },
    ];
    const held: Record<string, string> = { held: 's1', moved: 's9' };
    expect(sessionsToRepair(connected, view({ ownsSatellite: () => false, heldSession: (id) => held[id] }))).toEqual([
      { satelliteId: 'gone', event: { type: 'disconnect', sessionId: 's2' } },
      // A newer socket of it is held here: the state is pointed at it instead.
      { satelliteId: 'moved', event: { type: 'connect', session: { node: 'node-2', id: 's9' } } },
    ]);
  });

  it('leaves states without a session (connected before machine v3) alone', () => {
    expect(sessionsToRepair([{ satelliteId: 'old', session: null }], view())).toEqual([]);
  });
});

describe('Placement.isGone', () => {
  const member = (nodeId: string): MemberValue => ({ nodeId, instance: `${nodeId}-i`, startedAt: 0, httpPort: 1 });
  const setup = () => {
    let now = 1_000_000;
    let connected = true;
    const placement = new Placement({
      nodeId: 'me',
      httpPort: 1,
      partitionCount: 4,
      leaseTtlMs: 2_000,
      bucket: {} as ClusterBucket,
      leases: {} as LeaseStore,
      hooks: { acquired: () => undefined, lost: () => undefined, drain: async () => undefined },
      log: {} as never,
      isConnected: () => connected,
      onDuplicateNodeId: () => undefined,
      clock: () => now,
    });
    const seen = (nodeId: string) => placement.view.send({ type: 'observed', event: { type: 'member', nodeId, value: member(nodeId) } });
    return { placement, seen, advance: (ms: number) => (now += ms), disconnect: () => (connected = false) };
  };

  it('is true for a member not heard from for longer than the lease time, or one that left, while the view is current', () => {
    const { placement, seen, advance } = setup();
    seen('me');
    seen('other');
    expect(placement.isGone('other')).toBe(false); // this node just started: in doubt
    advance(2_500);
    seen('me');
    expect(placement.isGone('other')).toBe(true);
    seen('other');
    expect(placement.isGone('other')).toBe(false);
    placement.view.send({ type: 'observed', event: { type: 'member', nodeId: 'other', value: undefined } });
    expect(placement.isGone('other')).toBe(true);
    expect(placement.isGone('never-seen')).toBe(true);
    expect(placement.isGone('me')).toBe(false);
  });

  it('is false when in doubt: its own heartbeats are not coming back, or NATS is unreachable', () => {
    const { placement, seen, advance, disconnect } = setup();
    seen('me');
    seen('other');
    advance(2_500); // nothing seen meanwhile, not even its own heartbeat: the view is stale
    expect(placement.isGone('other')).toBe(false);
    seen('me');
    expect(placement.isGone('other')).toBe(true);
    disconnect();
    expect(placement.isGone('other')).toBe(false);
  });
});
