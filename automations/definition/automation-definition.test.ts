import { describe, expect, it } from 'vitest';
import { automationDefinitionSchema, conditionSchema, stepKind, stepSchema, type Step } from './automation-definition.ts';
import { flattenIssues, toDefinitionErrors } from './validation-issues.ts';

const minimal = {
  id: 'minimal',
  name: 'Minimal',
  triggers: [{ id: 't1', event: 'incident.created' }],
  actions: [{ action: 'incident.create' }],
};

function errorsOf(input: unknown): Array<{ path: string; message: string }> {
  const result = automationDefinitionSchema.safeParse(input);
  if (result.success) throw new Error('expected the definition to be invalid');
  return toDefinitionErrors(flattenIssues(result.error.issues, input));
}

function withActions(actions: unknown[]): unknown {
  return { ...minimal, actions };
}

describe('automationDefinitionSchema', () => {
  it('fills in defaults', () => {
    expect(automationDefinitionSchema.parse(minimal)).toEqual({
      id: 'minimal',
      name: 'Minimal',
      description: '',
      enabled: true,
      mode: 'single',
      max: 10,
      scope: 'automation',
      triggers: [{ id: 't1', event: 'incident.created' }],
      conditions: [],
      actions: [{ action: 'incident.create', config: {}, continue_on_error: false, enabled: true }],
    });
  });

  it('parses durations to milliseconds and expands the condition shorthand', () => {
    const definition = automationDefinitionSchema.parse({
      ...minimal,
      triggers: [{ id: 't1', event: 'healthcheck.system.degraded', for: '5m', window: { count: 3, within: '1h', partition_by: 'trigger.payload.systemId' } }],
      conditions: ['trigger.payload.count > 2'],
      actions: [{ delay: '1h30m' }, { delay: '{{ vars.wait }}' }, { delay: 250 }, { wait_until: { conditions: ['x'], timeout: '2d' } }],
    });
    expect(definition.triggers[0]).toEqual({ id: 't1', event: 'healthcheck.system.degraded', for: 300_000, window: { count: 3, within: 3_600_000, refire: 'once', partition_by: 'trigger.payload.systemId' } });
    expect(definition.conditions).toEqual([{ condition: 'expression', expression: 'trigger.payload.count > 2' }]);
    expect(definition.actions.map((step) => ('delay' in step ? step.delay : undefined))).toEqual([5_400_000, '{{ vars.wait }}', 250, undefined]);
    expect(definition.actions[3]).toMatchObject({ wait_until: { conditions: [{ condition: 'expression', expression: 'x' }], timeout: 172_800_000, continue_on_timeout: true } });
  });

  it('parses its own output to the same value (the stored form is stable)', () => {
    const input = {
      ...minimal,
      conditions: ['a', { condition: 'or', conditions: ['b', { condition: 'time', after: '22:00', before: '06:00' }] }],
      actions: [
        { id: 'pick', choose: [{ when: ['x'], sequence: [{ variables: { n: '{{ 1 }}' } }] }], else: [{ stop: 'no', error: true }] },
        { repeat: { for_each: [1, 2], sequence: [{ parallel: [{ action: 'a.b' }, { sequence: [{ delay: '1s' }] }] }] } },
        { condition: 'state', kind: 'incident', entity_id: '{{ artifacts.incident.id }}', equals: 'resolved', for: '10m', id: 'check-resolved' },
        { wait_for_trigger: { event: 'incident.resolved', timeout: '1h', filter: 'true' } },
      ],
    };
    const once = automationDefinitionSchema.parse(input);
    const twice = automationDefinitionSchema.parse(JSON.parse(JSON.stringify(once)));
    expect(twice).toEqual(once);
  });

  it('reports unknown keys (typos) with their path', () => {
    expect(errorsOf(withActions([{ action: 'incident.create', continue_on_eror: true }]))).toEqual([{ path: 'actions[0]', message: 'unknown key "continue_on_eror"' }]);
    expect(errorsOf({ ...minimal, trigers: [] })).toEqual([{ path: '', message: 'unknown key "trigers"' }]);
  });

  it('reports missing and mistyped fields', () => {
    expect(errorsOf({ id: 'x', triggers: [{ id: 't', event: 'a.b' }], actions: [{ stop: 'x' }] })).toEqual([{ path: 'name', message: 'is required' }]);
    expect(errorsOf({ ...minimal, max: 'ten' })).toEqual([{ path: 'max', message: 'expected number, got string "ten"' }]);
    expect(errorsOf({ ...minimal, mode: 'sometimes' })).toEqual([{ path: 'mode', message: 'expected "single" or "restart" or "queued" or "parallel", got string "sometimes"' }]);
  });

  it('reports errors inside the step the user meant, not a list of every step kind', () => {
    expect(errorsOf(withActions([{ delay: '5 minutes' }]))).toEqual([
      { path: 'actions[0].delay', message: expect.stringContaining('expected a duration like "90s"') },
    ]);
    expect(errorsOf(withActions([{ wait_until: { conditions: [], timeout: '1h' } }]))).toEqual([
      { path: 'actions[0].wait_until.conditions', message: expect.stringContaining('>=1') },
    ]);
    expect(errorsOf(withActions([{ choose: [{ when: ['x'], sequence: [{ action: 'Bad Id' }] }] }]))).toEqual([
      { path: 'actions[0].choose[0].sequence[0].action', message: expect.stringContaining('qualified id') },
    ]);
  });

  it('reports a step with no kind key, or with two', () => {
    expect(errorsOf(withActions([{ alias: 'nothing' }]))).toEqual([{ path: 'actions[0]', message: expect.stringMatching(/^a step needs exactly one of the keys action, choose/) }]);
    expect(errorsOf(withActions([{ action: 'a.b', delay: '1s' }]))).toEqual([{ path: 'actions[0]', message: expect.stringMatching(/^a step needs exactly one of the keys/) }]);
    expect(errorsOf(withActions(['a.b']))).toEqual([{ path: 'actions[0]', message: expect.stringMatching(/^a step needs exactly one/) }]);
  });

  it('reports an unknown condition type at the condition key', () => {
    expect(errorsOf({ ...minimal, conditions: [{ condition: 'sometimes' }] })).toEqual([
      { path: 'conditions[0].condition', message: '"condition" must be one of expression, and, or, not, numeric_state, time, state, maintenance' },
    ]);
  });

  it('requires unique trigger and step ids, across nesting', () => {
    expect(
      errorsOf({
        ...minimal,
        triggers: [{ id: 't', event: 'a.b' }, { id: 't', event: 'a.c' }],
        actions: [{ id: 'same', stop: 'x' }, { sequence: [{ id: 'same', delay: '1s' }] }],
      }),
    ).toEqual([
      { path: 'triggers[1].id', message: 'trigger id "t" is already used at triggers[0].id' },
      { path: 'actions[1].sequence[0].id', message: 'step id "same" is already used at actions[0].id' },
    ]);
  });

  it('validates ids', () => {
    expect(errorsOf({ ...minimal, id: 'Has Spaces' })[0]!.path).toBe('id');
    expect(errorsOf(withActions([{ id: 'UPPER', stop: 'x' }]))[0]!.path).toBe('actions[0].id');
  });

  it('requires limits on counts', () => {
    expect(errorsOf({ ...minimal, triggers: [] })[0]!.path).toBe('triggers');
    expect(errorsOf(withActions([]))[0]!.path).toBe('actions');
    expect(errorsOf(withActions(Array.from({ length: 201 }, () => ({ stop: 'x' }))))[0]!.path).toBe('actions');
  });
});

describe('repeat', () => {
  it('needs exactly one mode', () => {
    expect(errorsOf(withActions([{ repeat: { sequence: [{ stop: 'x' }] } }]))).toEqual([
      { path: 'actions[0].repeat', message: 'repeat needs exactly one of count, for_each, while, until' },
    ]);
    expect(errorsOf(withActions([{ repeat: { count: 2, while: ['x'], sequence: [{ stop: 'x' }] } }]))).toEqual([
      { path: 'actions[0].repeat', message: 'repeat needs exactly one of count, for_each, while, until (found count and while)' },
    ]);
  });

  it('accepts a count template and refuses a count above max_iterations', () => {
    expect(stepSchema.parse({ repeat: { count: '{{ vars.n }}', sequence: [{ stop: 'x' }] } })).toMatchObject({ repeat: { count: '{{ vars.n }}', max_iterations: 100 } });
    expect(errorsOf(withActions([{ repeat: { count: 500, sequence: [{ stop: 'x' }] } }]))).toEqual([
      { path: 'actions[0].repeat.count', message: 'count 500 is above max_iterations 100' },
    ]);
    expect(errorsOf(withActions([{ repeat: { count: 'three', sequence: [{ stop: 'x' }] } }]))[0]).toEqual({
      path: 'actions[0].repeat.count',
      message: 'expected a template like "{{ vars.count }}"',
    });
  });
});

describe('conditions', () => {
  it('numeric_state needs above or below, and above < below', () => {
    expect(conditionSchema.safeParse({ condition: 'numeric_state', value: 'x' }).error!.issues[0]!.message).toBe('numeric_state needs "above", "below" or both');
    expect(conditionSchema.safeParse({ condition: 'numeric_state', value: 'x', above: 5, below: 1 }).error!.issues[0]!.message).toContain('"above" must be less than "below"');
    expect(conditionSchema.parse({ condition: 'numeric_state', value: 'x', below: 1 })).toEqual({ condition: 'numeric_state', value: 'x', below: 1 });
  });

  it('time validates clock times and time zones and defaults to UTC', () => {
    expect(conditionSchema.parse({ condition: 'time', after: '22:00' })).toEqual({ condition: 'time', after: '22:00', timezone: 'UTC' });
    expect(errorsOf({ ...minimal, conditions: [{ condition: 'time', after: '24:00' }] })[0]!.message).toContain('HH:MM');
    expect(errorsOf({ ...minimal, conditions: [{ condition: 'time', after: '10:00', timezone: 'Mars/Olympus' }] })).toEqual([
      { path: 'conditions[0].timezone', message: 'unknown time zone; use an IANA name such as "Europe/Berlin" or "UTC"' },
    ]);
    expect(errorsOf({ ...minimal, conditions: [{ condition: 'time', timezone: 'UTC' }] })[0]!.message).toContain('needs "after", "before" or "weekdays"');
    expect(errorsOf({ ...minimal, conditions: [{ condition: 'time', weekdays: ['mon', 'mon'] }] })[0]!.message).toBe('weekdays must not repeat');
    expect(errorsOf({ ...minimal, conditions: [{ condition: 'time', after: '10:00', before: '10:00:00' }] })[0]!.message).toContain('equal');
  });

  it('state needs exactly one of equals and in, and a known kind', () => {
    expect(conditionSchema.parse({ condition: 'state', kind: 'incident', entity_id: 'i1', in: ['resolved', 'closed'], for: '1m' })).toEqual({
      condition: 'state',
      kind: 'incident',
      entity_id: 'i1',
      in: ['resolved', 'closed'],
      for: 60_000,
    });
    expect(conditionSchema.parse({ condition: 'state', kind: 'health', entity_id: 's', path: 'status', equals: null })).toMatchObject({ equals: null });
    expect(errorsOf({ ...minimal, conditions: [{ condition: 'state', kind: 'incident', entity_id: 'i1' }] })[0]!.message).toContain('exactly one of "equals" and "in"');
    expect(errorsOf({ ...minimal, conditions: [{ condition: 'state', kind: 'widget', entity_id: 'w', equals: 1 }] })[0]!.path).toBe('conditions[0].kind');
  });

  it('maintenance defaults to active: true', () => {
    expect(conditionSchema.parse({ condition: 'maintenance', system_id: 's1' })).toEqual({ condition: 'maintenance', system_id: 's1', active: true });
  });

  it('nests and/or/not', () => {
    const parsed = conditionSchema.parse({ condition: 'not', conditions: [{ condition: 'and', conditions: ['a', 'b'] }] });
    expect(parsed).toEqual({
      condition: 'not',
      conditions: [{ condition: 'and', conditions: [{ condition: 'expression', expression: 'a' }, { condition: 'expression', expression: 'b' }] }],
    });
  });

  it('a condition used as a step keeps its step keys', () => {
    expect(stepSchema.parse({ id: 'gate', alias: 'Still degraded?', condition: 'expression', expression: 'x' })).toEqual({
      id: 'gate',
      alias: 'Still degraded?',
      enabled: true,
      condition: 'expression',
      expression: 'x',
    });
  });
});

describe('stepKind', () => {
  it.each([
    [{ action: 'a.b' }, 'action'],
    [{ choose: [{ when: ['x'], sequence: [{ stop: 'y' }] }] }, 'choose'],
    [{ parallel: [{ stop: 'y' }] }, 'parallel'],
    [{ sequence: [{ stop: 'y' }] }, 'sequence'],
    [{ variables: { a: 1 } }, 'variables'],
    [{ delay: '1s' }, 'delay'],
    [{ repeat: { count: 1, sequence: [{ stop: 'y' }] } }, 'repeat'],
    [{ condition: 'expression', expression: 'x' }, 'condition'],
    [{ stop: 'done' }, 'stop'],
    [{ wait_for_trigger: { event: 'a.b' } }, 'wait_for_trigger'],
    [{ wait_until: { conditions: ['x'] } }, 'wait_until'],
  ])('%j is a %s step', (input, kind) => {
    const step: Step = stepSchema.parse(input);
    expect(stepKind(step)).toBe(kind);
  });

  it('variables names must be identifiers', () => {
    expect(errorsOf(withActions([{ variables: { 'bad-name': 1 } }]))).toEqual([{ path: 'actions[0].variables["bad-name"]', message: expect.stringContaining('variable names are identifiers') }]);
  });
});
