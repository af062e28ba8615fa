import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DefinitionParseError } from './errors.ts';
import { parseAutomationDocument, validateAutomation } from './parse-definition.ts';
import { stepKind } from './step-definition.ts';
import { testCatalog } from './test-support.ts';

const realisticYaml = readFileSync(new URL('./fixtures/degraded-to-incident.yaml', import.meta.url), 'utf8');
const catalog = testCatalog();

const base = { id: 'a1', name: 'A', triggers: [{ id: 't', event: 'incident.created' }] };

function errorsFor(input: unknown): Array<{ path: string; message: string }> {
  const result = validateAutomation(input, catalog);
  if (result.ok) throw new Error('expected validation to fail');
  return result.errors;
}

describe('parseAutomationDocument', () => {
  it('reads a realistic YAML automation', () => {
    const [document, ...rest] = parseAutomationDocument(realisticYaml);
    expect(rest).toEqual([]);
    expect(document).toMatchObject({ id: 'degraded-to-incident', triggers: [{ for: '5m' }] });
  });

  it('reads a list, an { automations } object and a stream of YAML documents', () => {
    const one = 'id: a\nname: A';
    expect(parseAutomationDocument(`- ${one.replace('\n', '\n  ')}\n- id: b\n  name: B`)).toHaveLength(2);
    expect(parseAutomationDocument('automations:\n  - id: a\n  - id: b\n')).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(parseAutomationDocument('id: a\n---\n- id: b\n- id: c\n---\n')).toEqual([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
  });

  it('reads JSON', () => {
    expect(parseAutomationDocument('{"id": "a", "name": "A"}', 'json')).toEqual([{ id: 'a', name: 'A' }]);
    expect(parseAutomationDocument('[{"id": "a"}]')).toEqual([{ id: 'a' }]);
  });

  it('keeps YAML 1.2 scalars: on/yes stay strings, times stay strings', () => {
    expect(parseAutomationDocument('id: a\nflag: on\nat: 07:30\nwhen: 2024-01-01')).toEqual([{ id: 'a', flag: 'on', at: '07:30', when: '2024-01-01' }]);
  });

  it('supports anchors and merge keys', () => {
    const yaml = 'automations:\n  - &base\n    id: a\n    name: A\n  - <<: *base\n    id: b\n';
    expect(parseAutomationDocument(yaml)).toEqual([{ id: 'a', name: 'A' }, { id: 'b', name: 'A' }]);
  });

  it('reports YAML syntax errors with the line', () => {
    try {
      parseAutomationDocument('id: a\nname: [unclosed\n');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DefinitionParseError);
      expect((error as DefinitionParseError).line).toBeGreaterThanOrEqual(2);
      expect((error as Error).message).toMatch(/^invalid YAML at line \d+, column \d+: /);
    }
    expect(() => parseAutomationDocument('id: a\nid: b\n')).toThrow(/invalid YAML/);
  });

  it('reports invalid JSON and documents of the wrong shape', () => {
    expect(() => parseAutomationDocument('{"id": ', 'json')).toThrow(/^invalid JSON: /);
    expect(() => parseAutomationDocument('just a string')).toThrow(/expected an automation definition/);
    expect(() => parseAutomationDocument('automations: 5')).toThrow(/"automations" must be a list/);
  });
});

describe('validateAutomation: the realistic automation', () => {
  it('is valid and comes out in stored form', () => {
    const [document] = parseAutomationDocument(realisticYaml);
    const result = validateAutomation(document, catalog);
    if (!result.ok) throw new Error(JSON.stringify(result.errors, null, 2));
    const { definition } = result;
    expect(definition.triggers[0]).toEqual({ id: 'degraded', event: 'healthcheck.system.degraded', for: 300_000, filter: 'trigger.payload.systemId != "sandbox"' });
    expect(definition.conditions[0]).toEqual({ condition: 'expression', expression: 'state.health[trigger.payload.systemId].status != "healthy"' });
    expect(definition.conditions[1]).toEqual({ condition: 'maintenance', system_id: '{{ trigger.payload.systemId }}', active: false });
    expect(definition.actions.map(stepKind)).toEqual(['action', 'action', 'wait_until', 'choose']);
    // Config stays as written: templates render at run time.
    expect(definition.actions[0]).toMatchObject({ action: 'incident.create', version: 2, config: { dedupe_key: 'degraded:{{ trigger.payload.systemId }}' } });
    expect(definition.actions[2]).toMatchObject({
      wait_until: { conditions: [{ condition: 'expression', expression: 'state.incident[artifacts.incident.id].status == "resolved"' }], timeout: 86_400_000, continue_on_timeout: false },
    });
  });
});

describe('validateAutomation: catalog checks', () => {
  it('reports unknown triggers with a suggestion', () => {
    expect(errorsFor({ ...base, triggers: [{ id: 't', event: 'healthcheck.system.degradd' }], actions: [{ stop: 'x' }] })).toEqual([
      { path: 'triggers[0].event', message: 'unknown trigger "healthcheck.system.degradd" (did you mean "healthcheck.system.degraded"?)' },
    ]);
    expect(errorsFor({ ...base, actions: [{ wait_for_trigger: { event: 'nothing.like.it' } }] })).toEqual([
      { path: 'actions[0].wait_for_trigger.event', message: 'unknown trigger "nothing.like.it"' },
    ]);
  });

  it('reports unknown actions and versions', () => {
    expect(errorsFor({ ...base, actions: [{ sequence: [{ action: 'incident.crate' }] }] })).toEqual([
      { path: 'actions[0].sequence[0].action', message: 'unknown action "incident.crate" (did you mean "incident.create"?)' },
    ]);
    expect(errorsFor({ ...base, actions: [{ action: 'incident.create', version: 7, config: {} }] })).toEqual([
      { path: 'actions[0].version', message: 'action "incident.create" has no config version 7 (known versions: 1, 2)' },
    ]);
  });

  it('validates the config against the latest version by default, or the named one', () => {
    expect(errorsFor({ ...base, actions: [{ action: 'incident.create', config: { title: 'x', system_id: 's' } }] })).toEqual([
      { path: 'actions[0].config.severity', message: 'is required' },
    ]);
    expect(validateAutomation({ ...base, actions: [{ action: 'incident.create', version: 1, config: { title: 'x', system_id: 's' } }] }, catalog).ok).toBe(true);
  });

  it('reports config errors with their JSON path', () => {
    const errors = errorsFor({
      ...base,
      actions: [
        { action: 'incident.create', config: { title: '', severity: 'huge', system_id: 's', extra: 1 } },
        { action: 'webhook.send', config: { url: 'not a url', headers: { a: 5 } } },
      ],
    });
    expect(errors.map((error) => error.path)).toEqual(['actions[0].config.title', 'actions[0].config.severity', 'actions[0].config', 'actions[1].config.url', 'actions[1].config.headers.a']);
    expect(errors[1]!.message).toBe('expected "minor" or "major" or "critical", got string "huge"');
    expect(errors[2]!.message).toBe('unknown key "extra"');
  });

  it('skips checks of config values that are templates, and checks the rest', () => {
    const result = validateAutomation(
      {
        ...base,
        actions: [
          {
            action: 'incident.create',
            config: { title: '{{ trigger.payload.title }}', severity: '{{ vars.severity }}', system_id: 's', priority: '{{ vars.priority }}' },
          },
          { action: 'webhook.send', config: { url: '${{ secrets.HOOK_URL }}', method: 'GET', body: '{{ vars.body }}', headers: '{{ vars.headers }}' } },
        ],
      },
      catalog,
    );
    expect(result).toMatchObject({ ok: true });
    expect(errorsFor({ ...base, actions: [{ action: 'incident.create', config: { title: '{{ vars.t }}', severity: 'nope', system_id: 's' } }] })).toEqual([
      { path: 'actions[0].config.severity', message: expect.stringContaining('expected "minor"') },
    ]);
  });

  it('still reports refinements that do not involve templates', () => {
    expect(errorsFor({ ...base, actions: [{ action: 'webhook.send', config: { url: 'https://x.example', method: 'GET', body: 'x' } }] })).toEqual([
      { path: 'actions[0].config.body', message: 'GET requests have no body' },
    ]);
  });

  it('reports a config schema that throws, unless a template may be the cause', () => {
    const throwing = z.strictObject({ target: z.string() }).transform((): never => {
      throw new Error('boom');
    });
    const throwingCatalog = { triggers: catalog.triggers, actions: new Map([['x.y', { versions: new Map<number, z.ZodType>([[1, throwing]]) }]]) };
    expect(validateAutomation({ ...base, actions: [{ action: 'x.y', config: { target: 'a' } }] }, throwingCatalog)).toEqual({
      ok: false,
      errors: [{ path: 'actions[0].config', message: 'config check failed: boom' }],
    });
    expect(validateAutomation({ ...base, actions: [{ action: 'x.y', config: { target: '{{ vars.t }}' } }] }, throwingCatalog).ok).toBe(true);
  });
});

describe('validateAutomation: expressions and templates', () => {
  it('reports expressions that do not compile, with the path', () => {
    const errors = errorsFor({
      ...base,
      triggers: [{ id: 't', event: 'incident.created', filter: 'trigger.payload.x ==', window: { count: 2, within: '1m', partition_by: '1 + "a"' } }],
      conditions: ['ok == true', { condition: 'or', conditions: ['(unbalanced'] }, { condition: 'numeric_state', value: 'x +', above: 1 }],
      actions: [{ choose: [{ when: ['also bad )'], sequence: [{ stop: 'x' }] }] }, { repeat: { until: ['no good ('], sequence: [{ stop: 'y' }] } }],
    });
    expect(errors.map((error) => error.path)).toEqual([
      'triggers[0].filter',
      'triggers[0].window.partition_by',
      'conditions[1].conditions[0].expression',
      'conditions[2].value',
      'actions[0].choose[0].when[0].expression',
      'actions[1].repeat.until[0].expression',
    ]);
    expect(errors[0]!.message).toMatch(/^syntax error: .* in expression "trigger.payload.x =="$/);
    expect(errors[1]!.message).toMatch(/^type error: no such overload: int \+ string/);
  });

  it('hints that expressions have no {{ }}', () => {
    expect(errorsFor({ ...base, conditions: ['{{ trigger.payload.x > 1 }}'], actions: [{ stop: 'x' }] })[0]!.message).toContain('expressions are written without {{ }}');
  });

  it('reports templates that do not compile, with the path', () => {
    const errors = errorsFor({
      ...base,
      actions: [
        { action: 'incident.create', config: { title: 'Down: {{ trigger.payload.name + }}', severity: 'major', system_id: 's' } },
        { variables: { summary: { text: '{{ }}' } } },
        { delay: '{{ vars.wait' },
        { condition: 'state', kind: 'incident', entity_id: '{{ artifacts.incident.id', equals: 'resolved' },
        { condition: 'maintenance', system_id: '${{ secrets.nope }}' },
        { stop: 'stopped: {{ 1 + }}' },
      ],
    });
    expect(errors.map((error) => error.path)).toEqual([
      'actions[0].config.title',
      'actions[1].variables.summary.text',
      'actions[2].delay',
      'actions[3].entity_id',
      'actions[4].system_id',
      'actions[5].stop',
    ]);
  });

  it('reports structural errors alone', () => {
    expect(errorsFor({ ...base, conditions: ['(bad'], actions: [{ action: 'incident.create', bogus: 1 }] })).toEqual([{ path: 'actions[0]', message: 'unknown key "bogus"' }]);
  });

  it('refuses text PostgreSQL cannot store and runaway nesting before the structure, with the path', () => {
    for (const [character, name] of [['\u0000', 'U+0000'], ['\ud800', 'U+D800, a lone surrogate'], ['\udc00', 'U+DC00, a lone surrogate']]) {
      expect(errorsFor({ ...base, name: `A${character}`, actions: [{ stop: 'x' }] })).toEqual([{ path: 'name', message: `contains a character PostgreSQL cannot store (${name})` }]);
      expect(errorsFor({ ...base, actions: [{ action: 'incident.create', config: { title: `t${character}`, severity: 'major', system_id: 's' } }] })).toEqual([
        { path: 'actions[0].config.title', message: `contains a character PostgreSQL cannot store (${name})` },
      ]);
    }
    let deep: unknown = { stop: 'x' };
    for (let level = 0; level < 100_000; level++) deep = { sequence: [deep] };
    expect(errorsFor({ ...base, actions: [deep] })[0]!.message).toBe('nests deeper than 64 levels of objects and arrays');
    const accepted = validateAutomation({ ...base, name: 'Rocket \u{1F680}', actions: [{ stop: 'done \ud83d\ude80' }] }, catalog);
    expect(accepted.ok && accepted.definition.name).toBe('Rocket \u{1F680}');
  });
});
