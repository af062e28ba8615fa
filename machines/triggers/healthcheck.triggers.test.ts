import { describe, expect, it } from 'vitest';
import { healthDefinition, type HealthEvent } from '../health.machine.ts';
import { changesOf } from '../test-support.ts';
import { deriveHealthcheckTriggers } from './healthcheck.triggers.ts';

const thresholds = { healthyAfter: 1, degradedAfter: 2, unhealthyAfter: 5 };
const result = (success: boolean, at: number, t = thresholds): HealthEvent => ({
  type: 'check_result', checkId: 'http', source: 'sat1', success, thresholds: t, at,
});
const ids = (events: HealthEvent[]) =>
  changesOf(healthDefinition, events, 'sys1').map((change) => deriveHealthcheckTriggers(change).map((event) => event.trigger));

describe('healthcheck triggers', () => {
  it('healthy → degraded fires degraded + health_changed; counter changes fire nothing', () => {
    const events = [result(false, 1), result(false, 2), result(false, 3)];
    expect(ids(events)).toEqual([[], ['healthcheck.system.degraded', 'healthcheck.system.health_changed'], []]);
  });

  it('degraded → unhealthy fires only health_changed; → healthy fires healthy + health_changed', () => {
    const events = [1, 2, 3, 4, 5].map((at) => result(false, at));
    expect(ids([...events, result(true, 6)])).toEqual([
      [], ['healthcheck.system.degraded', 'healthcheck.system.health_changed'], [], [], ['healthcheck.system.health_changed'],
      ['healthcheck.system.healthy', 'healthcheck.system.health_changed'],
    ]);
  });

  it('healthy → unhealthy at once fires degraded; prev null counts as healthy', () => {
    const [first] = changesOf(healthDefinition, [result(false, 1, { ...thresholds, degradedAfter: 1, unhealthyAfter: 1 })], 'sys1');
    expect(first?.prev).toBeNull();
    expect(deriveHealthcheckTriggers(first!)).toEqual([
      ...['healthcheck.system.degraded', 'healthcheck.system.health_changed'].map((trigger) => ({
        trigger, contextKey: 'systemId', contextValue: 'sys1',
        payload: { systemId: 'sys1', previousStatus: 'healthy', newStatus: 'unhealthy', healthyChecks: 0, totalChecks: 1 },
      })),
    ]);
  });

  it('a first healthy result fires nothing', () => {
    expect(ids([result(true, 1)])).toEqual([[]]);
  });
});
