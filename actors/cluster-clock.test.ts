import { describe, expect, it } from 'vitest';
import { ClusterClock } from './cluster-clock.ts';

/**
 * A shared clock (the database's) at `base + monotonic`, read over a link whose round trip is
 * `roundTrip` ms (the server reads its clock halfway), and a host wall clock `offset` ms ahead.
 */
function world(options: { roundTrip?: number; offset?: number } = {}) {
  const state = { monotonic: 1_000, roundTrip: options.roundTrip ?? 2, offset: options.offset ?? 0, failing: false, base: 1_767_261_600_000 };
  const shared = () => state.base + state.monotonic;
  const clock = new ClusterClock({
    read: async () => {
      if (state.failing) throw new Error('database down');
      state.monotonic += state.roundTrip / 2;
      const value = shared();
      state.monotonic += state.roundTrip / 2;
      return value;
    },
    monotonic: () => state.monotonic,
    wall: () => shared() + state.offset,
  });
  return { state, shared, clock };
}

describe('ClusterClock', () => {
  it('brackets the shared clock between earliest and latest, and reports the host offset', async () => {
    const { state, shared, clock } = world({ roundTrip: 4, offset: 2_000 });
    await clock.start();
    clock.stop();
    state.monotonic += 500;
    expect(clock.earliest()).toBeLessThanOrEqual(shared());
    expect(clock.latest()).toBeGreaterThanOrEqual(shared());
    // Half the round trip plus the drift allowance for 500 ms: about 2.1 ms either way.
    expect(clock.latest() - clock.earliest()).toBeLessThanOrEqual(6);
    expect(clock.reading()).toEqual({ offsetMs: 2_000, uncertaintyMs: 2.1 });
  });

  it('keeps the sample that knows the time best', async () => {
    const { state, clock } = world({ roundTrip: 2 });
    await clock.start();
    clock.stop();
    state.roundTrip = 400;
    await clock.sample();
    // The slow sample is newer, but the fast ones still know the time better.
    expect(clock.reading().uncertaintyMs).toBeLessThan(5);
  });

  it('follows the monotonic clock, not the wall clock: a step of the host clock changes only the offset', async () => {
    const { state, shared, clock } = world({ roundTrip: 2 });
    await clock.start();
    clock.stop();
    const before = { earliest: clock.earliest(), latest: clock.latest() };
    state.offset = -30_000;
    state.monotonic += 100;
    expect(clock.reading().offsetMs).toBe(-30_000);
    expect(clock.earliest()).toBeGreaterThanOrEqual(before.earliest);
    expect(clock.earliest()).toBeLessThanOrEqual(shared());
    expect(clock.latest()).toBeGreaterThanOrEqual(shared());
  });

  it('never steps backwards, even when a better sample moves the estimate back', async () => {
    const { state, clock } = world({ roundTrip: 50 });
    await clock.start();
    clock.stop();
    const latest = clock.latest();
    // The shared clock is read 20 ms "earlier" than before (the server's answer was slow to leave).
    state.base -= 20;
    state.roundTrip = 1;
    await clock.sample();
    expect(clock.latest()).toBeGreaterThanOrEqual(latest);
    const earliest = clock.earliest();
    expect(clock.earliest()).toBeGreaterThanOrEqual(earliest);
  });

  it('refuses to start without a reading; later failed readings keep the last samples, with a growing uncertainty', async () => {
    const down = world();
    down.state.failing = true;
    await expect(down.clock.start()).rejects.toThrow('database down');
    expect(() => down.clock.latest()).toThrow('has not measured');

    const { state, shared, clock } = world({ roundTrip: 2 });
    await clock.start();
    clock.stop();
    const fresh = clock.reading().uncertaintyMs;
    state.failing = true;
    await clock.sample();
    state.monotonic += 60_000;
    expect(clock.reading().uncertaintyMs).toBeGreaterThan(fresh + 10);
    expect(clock.earliest()).toBeLessThanOrEqual(shared());
    expect(clock.latest()).toBeGreaterThanOrEqual(shared());
  });
});
