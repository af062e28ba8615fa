import { describe, expect, it } from 'vitest';
import { conditionSchema, type Condition } from '../definition/index.ts';
import { buildStateScope, evaluateConditions } from './evaluate-conditions.ts';
import { InMemoryStateReader } from './test-support.ts';

const NOW = Date.parse('2024-01-15T10:00:00Z'); // a Monday, 11:00 in Berlin
const MINUTE = 60_000;

function conditions(...inputs: unknown[]): Condition[] {
  return inputs.map((input) => conditionSchema.parse(input));
}

function reader(): InMemoryStateReader {
  return new InMemoryStateReader()
    .set('health', 'sys-1', { state: { systemId: 'sys-1', status: 'degraded', healthyChecks: 1, totalChecks: 3 }, stateValue: 'degraded', version: 7, since: { status: NOW - 6 * MINUTE, '': NOW - 6 * MINUTE } })
    .set('system', 'sys-1', { state: { name: 'API', tier: 1 }, stateValue: 'active', version: 2 })
    .set('incident', 'inc-42', { state: { status: 'resolved', title: 'API down', duration_ms: 90 * MINUTE }, stateValue: { closed: 'resolved' }, version: 5, since: { status: NOW - 2 * MINUTE } })
    .addMaintenanceWindow('sys-2', NOW - MINUTE, NOW + MINUTE);
}

const scope = { trigger: { payload: { systemId: 'sys-1' } }, artifacts: { incident: { id: 'inc-42' } }, vars: { limit: 2, ratio: 0.5 } };

describe('evaluateConditions', () => {
  it('holds for an empty list', async () => {
    expect(await evaluateConditions([], scope, reader(), NOW)).toEqual({ ok: true, details: [] });
  });

  it('evaluates expressions over the scope, with int and double numbers', async () => {
    const result = await evaluateConditions(conditions('vars.limit + 1 == 3', 'vars.ratio * 2.0 == 1.0'), scope, reader(), NOW);
    expect(result).toEqual({
      ok: true,
      details: [
        { path: 'conditions[0]', condition: 'expression', result: true, value: true },
        { path: 'conditions[1]', condition: 'expression', result: true, value: true },
      ],
    });
  });

  it('stops at the first false condition', async () => {
    const state = reader();
    const result = await evaluateConditions(conditions('false', 'state.system.sys-1.name == "API"'), scope, state, NOW, 'gates');
    expect(result.ok).toBe(false);
    expect(result.details).toEqual([{ path: 'gates[0]', condition: 'expression', result: false, value: false }]);
    expect(state.reads).toEqual([]);
  });

  it('loads the entities an expression reads, with dynamic ids', async () => {
    const state = reader();
    const result = await evaluateConditions(
      conditions('state.incident[artifacts.incident.id].status == "resolved"', 'state.system[trigger.payload.systemId].tier == 1 && state.system["sys-1"].exists'),
      scope,
      state,
      NOW,
    );
    expect(result.ok).toBe(true);
    expect(state.reads).toEqual(['incident:inc-42', 'system:sys-1']);
  });

  it('exposes stateValue, version and exists, and exists: false for a missing entity', async () => {
    const result = await evaluateConditions(
      conditions('state.incident["inc-42"].stateValue.closed == "resolved" && state.incident["inc-42"].version == 5', '!state.incident.nope.exists', '!has(state.incident.nope.status)'),
      scope,
      reader(),
      NOW,
    );
    expect(result.details.map((detail) => detail.result)).toEqual([true, true, true]);
  });

  it('adds in_status_for to health entities', async () => {
    const built = await buildStateScope(['state.health[trigger.payload.systemId].in_status_for'], scope, reader(), NOW);
    expect(built.state).toEqual({
      health: { 'sys-1': { systemId: 'sys-1', status: 'degraded', healthyChecks: 1, totalChecks: 3, stateValue: 'degraded', version: 7, exists: true, in_status_for: 6 * MINUTE } },
    });
    const result = await evaluateConditions(conditions('state.health[trigger.payload.systemId].in_status_for >= 300000'), scope, reader(), NOW);
    expect(result.ok).toBe(true);
  });

  it('turns an expression error into false with the error recorded', async () => {
    const result = await evaluateConditions(conditions('vars.ratio + 1 > 0'), scope, reader(), NOW);
    expect(result.ok).toBe(false);
    expect(result.details[0]).toMatchObject({ result: false, error: expect.stringContaining('no such overload: dyn<double> + int') });
    const missing = await evaluateConditions(conditions('trigger.payload.nope == 1'), scope, reader(), NOW);
    expect(missing.details[0]!.error).toContain('No such key: nope');
  });

  it('requires a boolean result', async () => {
    const result = await evaluateConditions(conditions('vars.limit'), scope, reader(), NOW);
    expect(result.details[0]).toMatchObject({ result: false, value: 2, error: 'the expression must yield a boolean, got number 2' });
  });

  it('propagates a failing reader instead of reading it as false', async () => {
    const failing = reader();
    failing.read = async () => {
      throw new Error('database unavailable');
    };
    await expect(evaluateConditions(conditions('state.system.x.exists'), scope, failing, NOW)).rejects.toThrow('database unavailable');
  });
});

describe('and / or / not', () => {
  it('evaluates nested lists and records each evaluated condition', async () => {
    const result = await evaluateConditions(
      conditions({ condition: 'or', conditions: ['false', { condition: 'and', conditions: ['true', 'vars.limit == 2'] }, 'never_evaluated'] }, { condition: 'not', conditions: ['false', 'false'] }),
      scope,
      reader(),
      NOW,
    );
    expect(result.ok).toBe(true);
    expect(result.details.map(({ path, condition, result: holds }) => [path, condition, holds])).toEqual([
      ['conditions[0]', 'or', true],
      ['conditions[0].conditions[0]', 'expression', false],
      ['conditions[0].conditions[1]', 'and', true],
      ['conditions[0].conditions[1].conditions[0]', 'expression', true],
      ['conditions[0].conditions[1].conditions[1]', 'expression', true],
      ['conditions[1]', 'not', true],
      ['conditions[1].conditions[0]', 'expression', false],
      ['conditions[1].conditions[1]', 'expression', false],
    ]);
  });

  it('not is false as soon as one condition holds', async () => {
    const result = await evaluateConditions(conditions({ condition: 'not', conditions: ['false', 'true', 'false'] }), scope, reader(), NOW);
    expect(result.ok).toBe(false);
    expect(result.details).toHaveLength(3);
  });
});

describe('numeric_state', () => {
  it('compares a number read from entity state', async () => {
    const incidentMinutes = 'state.incident[artifacts.incident.id].duration_ms / 60000';
    expect((await evaluateConditions(conditions({ condition: 'numeric_state', value: incidentMinutes, above: 60 }), scope, reader(), NOW)).details[0]).toMatchObject({ result: true, value: 90 });
    expect((await evaluateConditions(conditions({ condition: 'numeric_state', value: incidentMinutes, above: 60, below: 90 }), scope, reader(), NOW)).ok).toBe(false);
    expect((await evaluateConditions(conditions({ condition: 'numeric_state', value: 'vars.ratio', below: 0.75 }), scope, reader(), NOW)).ok).toBe(true);
  });

  it('accepts numeric strings and reports other values', async () => {
    expect((await evaluateConditions(conditions({ condition: 'numeric_state', value: '"42.5"', above: 42 }), scope, reader(), NOW)).ok).toBe(true);
    const result = await evaluateConditions(conditions({ condition: 'numeric_state', value: 'state.system["sys-1"].name', above: 1 }), scope, reader(), NOW);
    expect(result.details[0]).toMatchObject({ result: false, error: 'the value must be a number, got string "API"' });
  });
});

describe('time', () => {
  it('uses the local time of now in the time zone', async () => {
    const berlinMorning = conditions({ condition: 'time', after: '10:30', before: '12:00', weekdays: ['mon'], timezone: 'Europe/Berlin' });
    expect((await evaluateConditions(berlinMorning, scope, reader(), NOW)).ok).toBe(true);
    expect((await evaluateConditions(berlinMorning, scope, reader(), NOW + 24 * 60 * MINUTE)).ok).toBe(false); // Tuesday
    expect((await evaluateConditions(conditions({ condition: 'time', after: '10:30', before: '12:00' }), scope, reader(), NOW)).ok).toBe(false); // 10:00 UTC
  });
});

describe('state', () => {
  it('compares the state machine value, matching parent states like XState', async () => {
    const check = (equals: unknown) =>
      evaluateConditions(conditions({ condition: 'state', kind: 'incident', entity_id: 'inc-42', equals }), scope, reader(), NOW).then((result) => result.ok);
    expect(await check('closed')).toBe(true);
    expect(await check('closed.resolved')).toBe(true);
    expect(await check({ closed: 'resolved' })).toBe(true);
    expect(await check('open')).toBe(false);
    expect(await check('closed.res')).toBe(false);
  });

  it('compares a path into the reactive state, with equals or in, and templated ids and values', async () => {
    const holds = async (input: Record<string, unknown>) => (await evaluateConditions(conditions({ condition: 'state', ...input }), scope, reader(), NOW)).ok;
    expect(await holds({ kind: 'incident', entity_id: '{{ artifacts.incident.id }}', path: 'status', equals: 'resolved' })).toBe(true);
    expect(await holds({ kind: 'health', entity_id: '{{ trigger.payload.systemId }}', path: 'status', in: ['degraded', 'unhealthy'] })).toBe(true);
    expect(await holds({ kind: 'health', entity_id: 'sys-1', path: 'totalChecks', equals: '{{ vars.limit + 1 }}' })).toBe(true);
    expect(await holds({ kind: 'health', entity_id: 'sys-1', path: 'missing.deep', equals: null })).toBe(false);
  });

  it('requires the value to have held for `for`', async () => {
    const sustained = (forMs: string) => conditions({ condition: 'state', kind: 'health', entity_id: 'sys-1', path: 'status', equals: 'degraded', for: forMs });
    const first = await evaluateConditions(sustained('5m'), scope, reader(), NOW);
    expect(first.ok).toBe(true);
    expect((await evaluateConditions(sustained('10m'), scope, reader(), NOW)).ok).toBe(false);
    // No history: unknown since → not sustained.
    const noHistory = conditions({ condition: 'state', kind: 'system', entity_id: 'sys-1', equals: 'active', for: '1s' });
    expect((await evaluateConditions(noHistory, scope, reader(), NOW)).ok).toBe(false);
  });

  it('is false for a missing entity or an id that renders to nothing', async () => {
    const missing = await evaluateConditions(conditions({ condition: 'state', kind: 'incident', entity_id: 'gone', equals: 'resolved' }), scope, reader(), NOW);
    expect(missing.details[0]).toMatchObject({ result: false, error: 'incident "gone" does not exist' });
    const empty = await evaluateConditions(conditions({ condition: 'state', kind: 'incident', entity_id: '{{ null }}', equals: 'x' }), scope, reader(), NOW);
    expect(empty.details[0]).toMatchObject({ result: false, error: 'entity_id must render to a non-empty string' });
    const broken = await evaluateConditions(conditions({ condition: 'state', kind: 'incident', entity_id: '{{ artifacts.nope }}', equals: 'x' }), scope, reader(), NOW);
    expect(broken.details[0]!.error).toContain('No such key: nope');
  });
});

describe('maintenance', () => {
  it('checks whether the system is in a maintenance window now', async () => {
    const active = (systemId: string, isActive: boolean) => conditions({ condition: 'maintenance', system_id: systemId, active: isActive });
    expect((await evaluateConditions(active('sys-2', true), scope, reader(), NOW)).ok).toBe(true);
    expect((await evaluateConditions(active('sys-2', true), scope, reader(), NOW + 2 * MINUTE)).ok).toBe(false);
    expect((await evaluateConditions(active('{{ trigger.payload.systemId }}', false), scope, reader(), NOW)).ok).toBe(true);
  });
});

describe('buildStateScope', () => {
  it('keeps the scope, loads each entity once, and reuses entities already in the scope', async () => {
    const state = reader();
    const built = await buildStateScope(['state.system["sys-1"].name', 'Title: {{ state.system["sys-1"].name }} / {{ state.incident[artifacts.incident.id].title }}'], scope, state, NOW);
    expect(built.trigger).toBe(scope.trigger);
    expect(state.reads).toEqual(['system:sys-1', 'incident:inc-42']);
    await buildStateScope(['state.system["sys-1"].name'], built, state, NOW);
    expect(state.reads).toHaveLength(2);
  });

  it('follows ids read from other entities', async () => {
    const state = reader().set('system', 'sys-9', { state: { open_incident: 'inc-42' }, stateValue: 'active' });
    const built = await buildStateScope(['state.incident[state.system["sys-9"].open_incident].status'], {}, state, NOW);
    expect(state.reads).toEqual(['system:sys-9', 'incident:inc-42']);
    expect((built.state as Record<string, Record<string, Record<string, unknown>>>).incident!['inc-42']!.status).toBe('resolved');
  });

  it('does not modify the given scope', async () => {
    const given = { state: { system: { cached: { exists: true } } } };
    await buildStateScope(['state.system.other.exists'], given, reader(), NOW);
    expect(given).toEqual({ state: { system: { cached: { exists: true } } } });
  });
});
