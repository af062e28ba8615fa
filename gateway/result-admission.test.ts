import { describe, expect, it } from 'vitest';
import { assignmentSchema } from '../protocol/check-strategy.ts';
import { resultFrame } from '../satellite/result-frame.ts';
import { admitResult, assignedChecksOf, looksLikeResultFrame } from './result-admission.ts';

const assigned = assignedChecksOf([
  { checkId: 'home', systemId: 'shop' },
  { checkId: 'db', systemId: 'shop' },
]);
const limits = { maxClockAheadMs: 60_000, maxAgeMs: 86_400_000 };
const now = 1_767_261_600_000;
const result = (fields: Partial<{ checkId: string; systemId: string; executedAt: number }>) => ({ resultId: 'r1', checkId: 'home', systemId: 'shop', executedAt: now, ...fields });

describe('admitResult', () => {
  it('admits a result of an assigned check, with its system, within the time limits', () => {
    expect(admitResult(result({}), assigned, limits, now)).toBeNull();
    expect(admitResult(result({ executedAt: now + 60_000 }), assigned, limits, now)).toBeNull();
    expect(admitResult(result({ executedAt: now - 86_400_000 }), assigned, limits, now)).toBeNull();
  });

  it('refuses a check that is not assigned, or another system', () => {
    expect(admitResult(result({ checkId: 'other' }), assigned, limits, now)).toMatchObject({ resultId: 'r1', code: 'CHECK_NOT_ASSIGNED' });
    expect(admitResult(result({ systemId: 'bank' }), assigned, limits, now)).toMatchObject({ code: 'SYSTEM_MISMATCH', message: expect.stringContaining('belongs to system shop') });
    expect(admitResult(result({}), new Map(), limits, now)).toMatchObject({ code: 'CHECK_NOT_ASSIGNED' });
  });

  it('refuses executedAt beyond the clock tolerance, and older than the maximum age (0: no limit)', () => {
    expect(admitResult(result({ executedAt: now + 60_001 }), assigned, limits, now)).toMatchObject({ code: 'EXECUTED_IN_FUTURE' });
    expect(admitResult(result({ executedAt: now + 10 * 365 * 86_400_000 }), assigned, limits, now)).toMatchObject({ code: 'EXECUTED_IN_FUTURE' });
    expect(admitResult(result({ executedAt: now - 86_400_001 }), assigned, limits, now)).toMatchObject({ code: 'EXECUTED_TOO_LONG_AGO' });
    expect(admitResult(result({ executedAt: 0 }), assigned, { ...limits, maxAgeMs: 0 }, now)).toBeNull();
  });
});

describe('looksLikeResultFrame', () => {
  const bytes = (text: string) => new TextEncoder().encode(text).buffer;
  it("recognises the reference agent's result frames by their first bytes, and nothing else", () => {
    const assignment = assignmentSchema.parse({ checkId: 'c1', systemId: 'shop', intervalMs: 30_000, strategy: { kind: 'tcp', host: 'db', port: 5432 } });
    const frame = resultFrame(assignment, { status: 'up', latencyMs: 3, detail: '', timings: { totalMs: 3 }, measured: {} }, now);
    expect(looksLikeResultFrame(bytes(JSON.stringify(frame)))).toBe(true);
    expect(looksLikeResultFrame(bytes(JSON.stringify({ type: 'heartbeat', agentVersion: '1', uptimeSeconds: 3 })))).toBe(false);
    expect(looksLikeResultFrame(bytes('{"type":"results_x"}'))).toBe(false);
    expect(looksLikeResultFrame(bytes('{"resultId":"r1","type":"result"}'))).toBe(false); // parsed, then refused as usual
    expect(looksLikeResultFrame(bytes('{"type":"res'))).toBe(false);
  });
});
