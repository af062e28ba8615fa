import { describe, expect, it } from 'vitest';
import {
  healthDefinition,
  healthEventSchema,
  healthMachine,
  healthStateSchema,
  MAX_RESULTS_PER_EVENT,
  type HealthEvent,
  type HealthThresholds,
} from './health.machine.ts';
import { run, send, start } from './test-support.ts';

const defaults: HealthThresholds = { healthyAfter: 1, degradedAfter: 2, unhealthyAfter: 5 };
let clock = 0;
const result = (success: boolean, checkId = 'http', source = 'sat1', thresholds = defaults): HealthEvent => ({
  type: 'check_result', checkId, source, success, thresholds, at: ++clock,
});
const fails = (n: number, checkId?: string, source?: string, thresholds?: HealthThresholds) =>
  Array.from({ length: n }, () => result(false, checkId, source, thresholds));
const stateAfter = (events: HealthEvent[]) => healthStateSchema.parse(healthDefinition.toState(run(healthMachine, events, 'sys1')));

describe('health machine: one check', () => {
  it('exists from the start: healthy with no checks', () => {
    const snapshot = start(healthMachine, 'sys1');
    expect(snapshot.value).toBe('healthy');
    expect(healthDefinition.toState(snapshot)).toEqual({ systemId: 'sys1', status: 'healthy', healthyChecks: 0, totalChecks: 0, checks: {} });
  });

  it('a new check key starts healthy; one failure keeps it healthy (degradedAfter 2)', () => {
    expect(stateAfter(fails(1)).checks['http@sat1']).toEqual({
      checkId: 'http', source: 'sat1', status: 'healthy', consecutiveSuccesses: 0, consecutiveFailures: 1,
    });
    expect(stateAfter([result(true)])).toMatchObject({ status: 'healthy', healthyChecks: 1, totalChecks: 1 });
  });

  it('degraded after 2 failures, unhealthy after 5, value mirrors status', () => {
    expect(stateAfter(fails(2)).status).toBe('degraded');
    expect(run(healthMachine, fails(2)).value).toBe('degraded');
    expect(stateAfter(fails(4)).status).toBe('degraded');
    expect(stateAfter(fails(5))).toMatchObject({ status: 'unhealthy', healthyChecks: 0, totalChecks: 1 });
    expect(run(healthMachine, fails(5)).value).toBe('unhealthy');
  });

  it('caps counters at the thresholds so steady results yield equal states', () => {
    expect(stateAfter(fails(9))).toEqual(stateAfter(fails(5)));
    expect(stateAfter(fails(5)).checks['http@sat1']?.consecutiveFailures).toBe(5);
    const ok = stateAfter([result(true), result(true), result(true)]);
    expect(ok).toEqual(stateAfter([result(true)]));
    expect(ok.checks['http@sat1']?.consecutiveSuccesses).toBe(1);
  });

  it('healthy again after healthyAfter successes; otherwise keeps its status', () => {
    const slow = { ...defaults, healthyAfter: 3 };
    const down = fails(5, 'http', 'sat1', slow);
    expect(stateAfter([...down, result(true, 'http', 'sat1', slow)]).status).toBe('unhealthy');
    expect(stateAfter([...down, ...[1, 2, 3].map(() => result(true, 'http', 'sat1', slow))]).status).toBe('healthy');
    expect(stateAfter([...fails(5), result(true)]).status).toBe('healthy');
  });

  it('a failure never improves a status (unhealthy, one success, two failures stays unhealthy)', () => {
    const slow = { ...defaults, healthyAfter: 3 };
    const events = [...fails(5, 'http', 'sat1', slow), result(true, 'http', 'sat1', slow), ...fails(2, 'http', 'sat1', slow)];
    expect(stateAfter(events).status).toBe('unhealthy');
  });

  it('per-event thresholds: degradedAfter 1 degrades at the first failure', () => {
    expect(stateAfter(fails(1, 'http', 'sat1', { ...defaults, degradedAfter: 1 })).status).toBe('degraded');
  });
});

describe('health machine: many checks', () => {
  it('worst check wins; counts follow the keys', () => {
    const state = stateAfter([result(true, 'http', 'a'), ...fails(2, 'http', 'b'), ...fails(5, 'dns', 'a')]);
    expect(state).toMatchObject({ status: 'unhealthy', healthyChecks: 1, totalChecks: 3 });
    expect(Object.keys(state.checks).sort()).toEqual(['dns@a', 'http@a', 'http@b']);
    expect(stateAfter([result(true, 'http', 'a'), ...fails(2, 'http', 'b')]).status).toBe('degraded');
  });

  it('check_removed with a source removes one key; without, all sources of the check', () => {
    const events = [...fails(5, 'http', 'a'), ...fails(2, 'http', 'b'), result(true, 'dns', 'a')];
    const one = stateAfter([...events, { type: 'check_removed', checkId: 'http', source: 'a', at: 100 }]);
    expect(one).toMatchObject({ status: 'degraded', healthyChecks: 1, totalChecks: 2 });
    const all = run(healthMachine, [...events, { type: 'check_removed', checkId: 'http', at: 100 }]);
    expect(all.value).toBe('healthy');
    expect(healthDefinition.toState(all)).toMatchObject({ status: 'healthy', healthyChecks: 1, totalChecks: 1 });
  });

  it('removing an unknown check is accepted and changes nothing', () => {
    const before = run(healthMachine, [result(true)]);
    const event: HealthEvent = { type: 'check_removed', checkId: 'nope', at: 100 };
    expect(before.can(event)).toBe(true);
    expect(healthDefinition.toState(send(healthMachine, before, event))).toEqual(healthDefinition.toState(before));
  });

  it('every state accepts every event; unknown types are refused', () => {
    for (const snapshot of [run(healthMachine, []), run(healthMachine, fails(2)), run(healthMachine, fails(5))]) {
      expect(snapshot.can(result(true))).toBe(true);
      expect(snapshot.can({ type: 'check_removed', checkId: 'http', at: 1 })).toBe(true);
      expect(snapshot.can({ type: 'nope', at: 1 } as unknown as HealthEvent)).toBe(false);
    }
  });
});

describe('health event schema', () => {
  it('fills default thresholds; message is not state', () => {
    const parsed = healthEventSchema.parse({ type: 'check_result', checkId: 'http', source: 's', success: false, message: 'timeout' });
    expect(parsed).toMatchObject({ thresholds: defaults });
    expect(healthEventSchema.parse({ type: 'check_result', checkId: 'h', source: 's', success: true, thresholds: { degradedAfter: 3 } }))
      .toMatchObject({ thresholds: { ...defaults, degradedAfter: 3 } });
    const withMessage = send(healthMachine, start(healthMachine), {
      type: 'check_result', checkId: 'http', source: 's', success: false, message: 'timeout', thresholds: defaults, at: 1,
    });
    expect(JSON.stringify(healthDefinition.toState(withMessage))).not.toContain('timeout');
  });

  it('rejects check ids with "@" and non-positive thresholds', () => {
    expect(healthEventSchema.safeParse({ type: 'check_result', checkId: 'a@b', source: 's', success: true }).success).toBe(false);
    expect(healthEventSchema.safeParse({ type: 'check_result', checkId: 'a', source: 's', success: true, thresholds: { healthyAfter: 0 } }).success).toBe(false);
  });
});

describe('health: results with executedAt (ordered, at most once per check and source)', () => {
  const timed = (success: boolean, executedAt: number, source = 'sat1') => ({ checkId: 'http', source, success, executedAt, thresholds: defaults });
  const batch = (...results: ReturnType<typeof timed>[]): HealthEvent => ({ type: 'check_results', results, at: ++clock });

  it('a result repeated (same executedAt) or arriving after a newer one changes nothing', () => {
    const once = run(healthMachine, [batch(timed(false, 100))]);
    expect(send(healthMachine, once, batch(timed(false, 100))).context).toEqual(once.context);
    const degraded = run(healthMachine, [batch(timed(false, 100), timed(false, 200))]);
    expect(degraded.value).toBe('degraded');
    // A success executed before the newest failure is stale: it must not reset the failures.
    expect(send(healthMachine, degraded, batch(timed(true, 150))).context).toEqual(degraded.context);
    expect(send(healthMachine, degraded, batch(timed(true, 201))).value).toBe('healthy');
  });

  it('a batch applies its results in order, as the same results one by one would', () => {
    const results = [timed(false, 1), timed(false, 2), timed(false, 3, 'sat2'), timed(true, 4), timed(false, 5), timed(false, 6)];
    const oneByOne = run(healthMachine, results.map((each) => ({ type: 'check_result' as const, ...each, at: ++clock })));
    const together = run(healthMachine, [batch(...results)]);
    expect(together.value).toBe(oneByOne.value);
    expect(together.context).toEqual(oneByOne.context);
    expect(together.context.checks['http@sat1']).toMatchObject({ status: 'degraded', consecutiveFailures: 2, lastResultAt: 6 });
  });

  it('watermarks are per (check, source)', () => {
    const state = run(healthMachine, [batch(timed(false, 100, 'sat1'), timed(false, 50, 'sat2'))]).context;
    expect(state.checks['http@sat1']?.lastResultAt).toBe(100);
    expect(state.checks['http@sat2']?.lastResultAt).toBe(50);
  });

  it('a v1 snapshot (no watermark) accepts the next result', () => {
    const v1 = run(healthMachine, [result(false)]);
    expect(v1.context.checks['http@sat1']?.lastResultAt).toBeUndefined();
    expect(send(healthMachine, v1, batch(timed(false, 1))).value).toBe('degraded');
  });

  it('the schema bounds a batch: 1 to MAX_RESULTS_PER_EVENT results', () => {
    const one = { checkId: 'h', source: 's', success: true, executedAt: 1 };
    expect(healthEventSchema.safeParse({ type: 'check_results', results: [] }).success).toBe(false);
    expect(healthEventSchema.safeParse({ type: 'check_results', results: Array(MAX_RESULTS_PER_EVENT).fill(one) }).success).toBe(true);
    expect(healthEventSchema.safeParse({ type: 'check_results', results: Array(MAX_RESULTS_PER_EVENT + 1).fill(one) }).success).toBe(false);
  });
});
