import { describe, expect, it } from 'vitest';
import { checkEventSchema, satelliteEventSchema } from '../machines/index.ts';
import { durationMs, formatDuration, readDuration } from './duration.ts';

describe('the one duration grammar', () => {
  it.each([
    ['30s', 30_000],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1.5h', 5_400_000],
    ['1h 30m', 5_400_000],
    [1500, 1500],
  ] as const)('%j → %d ms', (input, ms) => {
    expect(readDuration(input)).toEqual({ ms });
  });

  it.each(['', '300', '5x', '-5m', '1h-30m', 1.5, -1, null])('refuses %j with a reason', (input) => {
    expect(readDuration(input)).toHaveProperty('problem');
  });

  it('writes milliseconds back in the grammar', () => {
    expect([0, 1, 90_000, 5_400_000, 86_400_000 + 1_000].map(formatDuration)).toEqual(['0s', '1ms', '1m30s', '1h30m', '1d1s']);
  });

  it('bounds a field and says the bounds in the grammar', () => {
    const field = durationMs({ min: 1_000, max: 86_400_000 });
    expect(field.parse('1m30s')).toBe(90_000);
    expect(field.safeParse('2d').error?.issues[0]?.message).toBe('must be between 1s and 1d');
    expect(field.safeParse('300').error?.issues[0]?.message).toContain('add a unit');
  });

  it('is what entity commands read: a check interval, a satellite heartbeat threshold', () => {
    const check = checkEventSchema.parse({ type: 'create', systemId: 'shop', strategy: { kind: 'tcp', host: 'db', port: 5432 }, intervalMs: '1m30s' });
    expect(check).toMatchObject({ intervalMs: 90_000 });
    expect(satelliteEventSchema.parse({ type: 'register', name: 'Edge', region: 'eu', heartbeatThresholdMs: '45s' })).toMatchObject({ heartbeatThresholdMs: 45_000 });
    expect(checkEventSchema.safeParse({ type: 'update', intervalMs: '500ms' }).success).toBe(false);
  });
});
