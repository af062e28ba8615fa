import { describe, expect, it } from 'vitest';
import { ClockGuard } from './clock-guard.ts';

function guarded() {
  const state = { offsetMs: 0, now: 0 };
  const lines: Array<{ level: string; message: string }> = [];
  const record = (level: string) => (_fields: unknown, message?: string) => void lines.push({ level, message: message ?? '' });
  const guard = new ClockGuard({
    reading: () => ({ offsetMs: state.offsetMs, uncertaintyMs: 0.3 }),
    warnOffsetMs: 100,
    maxOffsetMs: 500,
    log: { warn: record('warn'), error: record('error'), info: record('info') } as never,
    now: () => state.now,
  });
  return { state, lines, guard };
}

describe('ClockGuard', () => {
  it('judges the offset either way: ok, warn above the warning threshold, beyond-max above the maximum', () => {
    const { state, guard } = guarded();
    expect(guard.report()).toEqual({ offsetMs: 0, uncertaintyMs: 0.3, status: 'ok' });
    state.offsetMs = -150;
    expect(guard.report().status).toBe('warn');
    state.offsetMs = 501;
    expect(guard.report().status).toBe('beyond-max');
    state.offsetMs = -30_000;
    expect(guard.report().status).toBe('beyond-max');
  });

  it('gives the standby reason beyond the maximum, and logs each change once (warnings at most once a minute)', () => {
    const { state, lines, guard } = guarded();
    expect(guard.check()).toBeUndefined();
    state.offsetMs = 200;
    guard.check();
    state.now += 1_000;
    guard.check();
    expect(lines.map((line) => line.level)).toEqual(['warn']);
    state.now += 60_000;
    guard.check();
    expect(lines.map((line) => line.level)).toEqual(['warn', 'warn']);

    state.offsetMs = 30_000;
    expect(guard.check()).toBe("this host's clock is 30000 ms ahead of the database's (more than VIGIL_MAX_CLOCK_OFFSET_MS = 500 ms)");
    state.offsetMs = -30_000;
    expect(guard.check()).toBe("this host's clock is 30000 ms behind the database's (more than VIGIL_MAX_CLOCK_OFFSET_MS = 500 ms)");
    expect(lines.filter((line) => line.level === 'error')).toHaveLength(1);
    expect(lines.at(-1)!.message).toContain('owning no partitions until it is back within bounds');

    // Back within the maximum but above 80 % of it: still standing by (no flapping at the limit).
    state.offsetMs = 450;
    expect(guard.check()).toBe("this host's clock is 450 ms ahead of the database's (more than VIGIL_MAX_CLOCK_OFFSET_MS = 500 ms)");
    state.offsetMs = 3;
    expect(guard.check()).toBeUndefined();
    expect(lines.at(-1)).toEqual({ level: 'info', message: "this host's clock is back within VIGIL_MAX_CLOCK_OFFSET_MS (3 ms ahead of the database's): taking partitions again" });
  });
});
