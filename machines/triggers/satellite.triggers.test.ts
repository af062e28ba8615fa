import { describe, expect, it } from 'vitest';
import { satelliteDefinition, type SatelliteEvent } from '../satellite.machine.ts';
import { changesOf } from '../test-support.ts';
import { deriveSatelliteTriggers } from './satellite.triggers.ts';

const register: SatelliteEvent = { type: 'register', name: 'eu-1', region: 'eu-west', heartbeatThresholdMs: 45_000, at: 1000 };
const fired = (events: SatelliteEvent[]) =>
  changesOf(satelliteDefinition, [register, ...events], 'sat1').map((change) => deriveSatelliteTriggers(change));

describe('satellite triggers', () => {
  it('register fires nothing; connect fires connected; heartbeats while online fire nothing', () => {
    const [registered, connected, heartbeat] = fired([{ type: 'connect', at: 2000 }, { type: 'heartbeat', at: 3000 }]);
    expect(registered).toEqual([]);
    expect(connected).toEqual([{
      trigger: 'satellite.connected', contextKey: 'satelliteId', contextValue: 'sat1',
      payload: { satelliteId: 'sat1', name: 'eu-1', region: 'eu-west', timestamp: 2000 },
    }]);
    expect(heartbeat).toEqual([]);
  });

  it('disconnect fires disconnected (the satellite stays online); reconnecting fires connected', () => {
    const all = fired([{ type: 'connect', at: 2000 }, { type: 'disconnect', at: 3000 }, { type: 'connect', at: 4000 }]);
    expect(all[2]).toEqual([{
      trigger: 'satellite.disconnected', contextKey: 'satelliteId', contextValue: 'sat1',
      payload: { satelliteId: 'sat1', name: 'eu-1', region: 'eu-west', timestamp: 3000 },
    }]);
    expect(all[3]?.map((event) => event.trigger)).toEqual(['satellite.connected']);
  });

  it('a killed agent: disconnected first, heartbeat_lost once after the threshold', () => {
    const all = fired([
      { type: 'connect', at: 2000 },
      { type: 'disconnect', at: 3000 },
      { type: 'heartbeat_timeout', dueAt: 47_000, at: 46_000 }, // early: refused, no change
      { type: 'heartbeat_timeout', dueAt: 47_000, at: 47_500 },
      { type: 'heartbeat_timeout', dueAt: 47_000, at: 48_000 }, // redelivery: refused
    ]);
    expect(all).toHaveLength(4);
    expect(all[2]?.map((event) => event.trigger)).toEqual(['satellite.disconnected']);
    expect(all[3]?.map((event) => [event.trigger, event.payload.reason, event.payload.timestamp])).toEqual([['satellite.heartbeat_lost', 'heartbeat_lost', 47_500]]);
  });

  it('remove fires nothing, even while online', () => {
    const all = fired([{ type: 'connect', at: 2000 }, { type: 'remove', at: 3000 }]);
    expect(all[2]).toEqual([]);
  });
});
