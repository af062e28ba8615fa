import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { evaluateConditions } from '../conditions/index.ts';
import { InMemoryStateReader } from '../conditions/test-support.ts';
import { parseAutomationDocument, type AutomationDefinition, type ChooseStep } from '../definition/index.ts';
import { checkAutomation } from '../save-check.ts';
import { listTemplates, loadTemplate, parseTemplate, renderTemplate, templateNames, TemplateError, type AutomationTemplate } from './index.ts';

/** The save-time check of `vigil automation apply`; its errors as "path: message" lines. */
function errorsOf(input: unknown): string[] {
  const checked = checkAutomation(input);
  return checked.ok ? [] : checked.errors.map((error) => `${error.path}: ${error.message}`);
}

function thrown(work: () => unknown): TemplateError {
  try {
    work();
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error('expected a TemplateError');
}

// Values other than the defaults, valid for each parameter type.
const notify = { slack_webhook_secret: 'SLACK_WEBHOOK_URL', email_to: 'ops@example.com, sre@example.com' };
const otherValues: Record<string, Record<string, string>> = {
  'sustained-degradation': { dwell: '5s', recovery: '1h30m', severity: 'critical', ...notify },
  flapping: { changes: '5', within: '2h', severity: 'major', ...notify },
  'satellite-heartbeat': { system: 'monitoring', severity: 'major', ...notify },
};

describe('shipped automation templates', () => {
  it('are the three documented ones, each with a description and an id parameter defaulting to its name', () => {
    expect(templateNames()).toEqual(['flapping', 'satellite-heartbeat', 'sustained-degradation']);
    for (const template of listTemplates()) {
      expect(template.description.length, template.name).toBeGreaterThan(10);
      expect(template.parameters[0]).toMatchObject({ name: 'id', type: 'automation_id', default: template.name });
    }
  });

  describe.each(templateNames())('%s', (name) => {
    const template = loadTemplate(name);

    it('renders with its defaults to an automation that passes the save-time checks', () => {
      const { automation } = renderTemplate(template);
      expect(errorsOf(automation)).toEqual([]);
      expect(automation.id).toBe(name);
    });

    it('renders with other values (and another id) to an automation that passes the save-time checks', () => {
      const given = { ...otherValues[name]!, id: `${name}-2` };
      expect(Object.keys(given).sort()).toEqual(template.parameters.map((parameter) => parameter.name).sort());
      const { automation, values } = renderTemplate(template, given);
      expect(errorsOf(automation)).toEqual([]);
      expect(automation.id).toBe(`${name}-2`);
      // Every value given reached the document.
      for (const [parameter, value] of Object.entries(values)) expect(JSON.stringify(automation), parameter).toContain(JSON.stringify(value));
    });

    it('prints as YAML that `vigil automation apply -f` reads back to the same automation', () => {
      const { automation } = renderTemplate(template, otherValues[name]);
      const [reread] = parseAutomationDocument(stringify(automation, { lineWidth: 0 }));
      expect(reread).toEqual(automation);
    });

    it('does not change the loaded template when rendering', () => {
      const before = JSON.stringify(template.body);
      renderTemplate(template, otherValues[name]);
      expect(JSON.stringify(template.body)).toBe(before);
    });
  });

  it('sustained-degradation: one automation whose two triggers share a per-system scope, queued, with the values in place', () => {
    const { automation } = renderTemplate(loadTemplate('sustained-degradation'), { dwell: '5s', recovery: '2m', severity: 'critical' });
    const checked = checkAutomation(automation);
    if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
    const definition = checked.definition;
    expect(definition).toMatchObject({ scope: 'context', mode: 'queued' });
    expect(definition.triggers).toEqual([
      { id: 'degraded', event: 'healthcheck.system.degraded', for: 5_000 },
      { id: 'recovered', event: 'healthcheck.system.healthy', for: 120_000 },
    ]);
    expect(JSON.stringify(definition.actions)).toContain('"severity":"critical"');
  });

  it('flapping: a window on health_changed, counted per system', () => {
    const { automation } = renderTemplate(loadTemplate('flapping'));
    const checked = checkAutomation(automation);
    if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
    expect(checked.definition.triggers).toEqual([
      { id: 'flapping', event: 'healthcheck.system.health_changed', window: { count: 3, within: 3_600_000, refire: 'once', partition_by: 'trigger.payload.systemId' } },
    ]);
  });

  describe.each(templateNames())('%s: notification steps', (name) => {
    const actionsOf = (automation: Record<string, unknown>) => [...JSON.stringify(automation.actions).matchAll(/"action":"(notify\.\w+)"/g)].map((match) => match[1]);

    it('are left out without slack_webhook_secret and email_to, and there with them, marked continue_on_error', () => {
      expect(actionsOf(renderTemplate(loadTemplate(name)).automation)).toEqual([]);
      expect(JSON.stringify(renderTemplate(loadTemplate(name)).automation)).not.toContain('if_given');
      const both = renderTemplate(loadTemplate(name), notify).automation;
      expect(errorsOf(both)).toEqual([]);
      const sent = actionsOf(both);
      expect(sent.length).toBeGreaterThanOrEqual(2);
      expect(new Set(sent)).toEqual(new Set(['notify.slack', 'notify.email']));
      expect(JSON.stringify(both)).toContain('"webhook_url":"${{ secrets.SLACK_WEBHOOK_URL }}"');
      expect(JSON.stringify(both)).toContain('"to":["ops@example.com","sre@example.com"]');
      expect(JSON.stringify(both)).not.toContain('if_given');
      expect(actionsOf(renderTemplate(loadTemplate(name), { slack_webhook_secret: '${{ secrets.SLACK }}' }).automation).every((action) => action === 'notify.slack')).toBe(true);
      const steps = JSON.stringify(both).match(/\{[^{}]*"action":"notify\.[^}]*\}/g) ?? [];
      for (const step of steps) expect(step).toContain('"continue_on_error":true');
    });
  });

  describe('what a run decides (conditions and choose options against entity state, as the engine evaluates them)', () => {
    const NOW = 1_700_000_000_000;
    const definitionOf = (name: string): AutomationDefinition => {
      const checked = checkAutomation(renderTemplate(loadTemplate(name)).automation);
      if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
      return checked.definition;
    };
    const trigger = (id: string, payload: Record<string, unknown>) => ({ id, event: 'x', payload, contextKey: 'k', contextValue: 'v', source: { kind: 'k', id: 'v', version: 1 }, at: NOW });
    /** Whether the automation's conditions hold, and the index of the choose option taken (null: none). */
    async function decide(definition: AutomationDefinition, scope: Record<string, unknown>, reader: InMemoryStateReader) {
      const full = { variables: {}, artifacts: {}, now: NOW, ...scope };
      const conditions = (await evaluateConditions(definition.conditions, full, reader, NOW)).ok;
      const choose = definition.actions[0] as ChooseStep;
      for (const [index, option] of choose.choose.entries()) if ((await evaluateConditions(option.when, full, reader, NOW)).ok) return { conditions, chosen: index };
      return { conditions, chosen: null };
    }
    // The `incident` artifact an earlier run of the scope left, and a reader holding that incident with `status`.
    const artifacts = { incident: { id: 'inc-1', systemIds: ['x'], reused: false } };
    const readerWith = (status?: string) => (status ? new InMemoryStateReader().set('incident', 'inc-1', { state: { status } }) : new InMemoryStateReader());

    it('sustained-degradation: opens outside maintenance, resolves (also in maintenance) only what its scope opened', async () => {
      const definition = definitionOf('sustained-degradation');
      const health = { systemId: 'api', previousStatus: 'healthy', newStatus: 'degraded', healthyChecks: 1, totalChecks: 2 };
      const inMaintenance = () => new InMemoryStateReader().addMaintenanceWindow('api', NOW - 1000, NOW + 1000);
      expect(await decide(definition, { trigger: trigger('degraded', health) }, new InMemoryStateReader())).toEqual({ conditions: true, chosen: 0 });
      expect((await decide(definition, { trigger: trigger('degraded', health) }, inMaintenance())).conditions).toBe(false);
      expect(await decide(definition, { trigger: trigger('recovered', health), artifacts }, inMaintenance())).toEqual({ conditions: true, chosen: 1 });
      expect(await decide(definition, { trigger: trigger('recovered', health) }, new InMemoryStateReader())).toEqual({ conditions: true, chosen: null });
    });

    it('satellite-heartbeat: opens unless the satellite\'s incident is still open, resolves only an open one', async () => {
      const definition = definitionOf('satellite-heartbeat');
      const payload = { satelliteId: 'edge-1', name: 'Edge 1', region: 'eu', timestamp: NOW };
      const lost = (status?: string) => decide(definition, { trigger: trigger('lost', payload), artifacts: status ? artifacts : {} }, readerWith(status));
      const back = (status?: string) => decide(definition, { trigger: trigger('reconnected', payload), artifacts: status ? artifacts : {} }, readerWith(status));
      expect((await lost()).chosen).toBe(0);
      expect((await lost('investigating')).chosen).toBe(null);
      expect((await lost('resolved')).chosen).toBe(0);
      expect((await back('investigating')).chosen).toBe(1);
      expect((await back('resolved')).chosen).toBe(null);
      expect((await back()).chosen).toBe(null);
      // The incident the artifact names was deleted: as good as resolved.
      const gone = await decide(definition, { trigger: trigger('lost', payload), artifacts }, new InMemoryStateReader());
      expect(gone.chosen).toBe(0);
    });
  });

  describe('bad parameter values: a clear error, and nothing rendered', () => {
    const template = loadTemplate('sustained-degradation');
    it.each([
      [{ dwell: '5 minutes' }, 'INVALID_PARAMETER', /^parameter dwell="5 minutes": invalid duration "5 minutes": expected a duration like "90s"/],
      [{ dwell: '300' }, 'INVALID_PARAMETER', /^parameter dwell="300": .*add a unit/],
      [{ recovery: '31d' }, 'INVALID_PARAMETER', /^parameter recovery="31d": longer than the 30 days allowed$/],
      [{ severity: 'urgent' }, 'INVALID_PARAMETER', /^parameter severity="urgent": expected one of minor, major, critical$/],
      [{ id: 'Bad Id' }, 'INVALID_PARAMETER', /^parameter id="Bad Id": ids are 1-64 characters/],
      [{ dwel: '5m' }, 'UNKNOWN_PARAMETER', /^template "sustained-degradation" has no parameter "dwel" \(parameters: id, dwell, recovery, severity, slack_webhook_secret, email_to\)$/],
      [{ slack_webhook_secret: 'https://hooks.slack.com/services/x' }, 'INVALID_PARAMETER', /^parameter slack_webhook_secret="https:.*": expected the name of a secret/],
      [{ email_to: 'ops@example.com, not-an-address' }, 'INVALID_PARAMETER', /^parameter email_to=".*": "not-an-address" is not an e-mail address$/],
    ])('%j', (given, code, message) => {
      const error = thrown(() => renderTemplate(template, given));
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
    });

    it('integers and ids of other templates', () => {
      expect(thrown(() => renderTemplate(loadTemplate('flapping'), { changes: '1' })).message).toBe('parameter changes="1": at least 2');
      expect(thrown(() => renderTemplate(loadTemplate('flapping'), { changes: '3.5' })).message).toBe('parameter changes="3.5": expected an integer');
      expect(thrown(() => renderTemplate(loadTemplate('satellite-heartbeat'), { system: 'a.b' })).message).toMatch(/^parameter system="a.b": ids are 1-128 characters/);
    });

    it('a value is never spliced into an expression or a template: `{{ }}` is just an invalid id', () => {
      expect(thrown(() => renderTemplate(loadTemplate('satellite-heartbeat'), { system: '{{ secrets.X }}' })).code).toBe('INVALID_PARAMETER');
    });

    it('unknown templates, and names that are not template names, are refused without touching the file system', () => {
      expect(thrown(() => loadTemplate('nope')).message).toBe('no template "nope" (templates: flapping, satellite-heartbeat, sustained-degradation)');
      expect(thrown(() => loadTemplate('../definition/fixtures/degraded-to-incident')).code).toBe('UNKNOWN_TEMPLATE');
    });
  });

  describe('template files are checked when read', () => {
    const file = (header: string, automation: string) => `template:\n  description: a test template\n${header}\nautomation:\n  id: !param id\n${automation}\n`;
    const read = (text: string): AutomationTemplate => parseTemplate('t', text);

    it('a valid file', () => {
      const template = read(file('  parameters:\n    wait: { type: duration, default: 5m, description: how long }', '  for: !param wait'));
      expect(template.parameters.map((parameter) => [parameter.name, parameter.default])).toEqual([['id', 't'], ['wait', '5m']]);
      expect(renderTemplate(template, { wait: '7s' }).automation).toEqual({ id: 't', for: '7s' });
    });

    it.each([
      ['an undeclared !param', file('', '  for: !param wait'), '!param wait is not a declared parameter'],
      ['a declared parameter never used', file('  parameters:\n    wait: { type: duration, default: 5m, description: how long }', ''), 'parameter "wait" is declared but never used'],
      ['a default its type refuses', file('  parameters:\n    level: { type: enum, values: [a, b], default: c, description: x }', '  level: !param level'), 'the default of parameter level="c": expected one of a, b'],
      ['a misspelt tag', file('', '  for: !parm wait'), 'Unresolved tag: !parm'],
      ['an unknown parameter type', file('  parameters:\n    wait: { type: text, default: x, description: x }', '  for: !param wait'), 'template.parameters.wait.type'],
      ['a declared id', file('  parameters:\n    id: { type: automation_id, default: x, description: x }', ''), '"id" is every template\'s parameter'],
      ['an optional parameter used outside its if_given items', file('  parameters:\n    to: { type: email_list, optional: true, description: x }', '  actions:\n    - to: !param to'), '!param to is optional: use it only inside a list item marked "if_given: to"'],
      ['if_given naming a parameter that is not optional', file('  parameters:\n    wait: { type: duration, default: 5m, description: x }', '  for: !param wait\n  actions:\n    - { if_given: wait, delay: 1s }'), '"if_given: wait" must name an optional parameter'],
      ['if_given on a mapping that is not a list item', file('  parameters:\n    to: { type: email_list, optional: true, description: x }', '  step: { if_given: to, to: !param to }'), '"if_given" marks an item of a list'],
      ['a default for an optional parameter', file('  parameters:\n    to: { type: email_list, optional: true, default: a@b.c, description: x }', '  actions:\n    - { if_given: to, to: !param to }'), 'an optional parameter has no default'],
    ])('refuses %s', (_what, text, message) => {
      const error = thrown(() => read(text));
      expect(error.code).toBe('INVALID_TEMPLATE');
      expect(error.message).toContain(message);
    });
  });

  it('each file starts with a comment naming the template and its parameters', () => {
    for (const template of listTemplates()) {
      const text = readTemplateText(template.name);
      expect(text.startsWith(`# ${template.name}: `), template.name).toBe(true);
      const header = text.slice(0, text.indexOf('\ntemplate:'));
      for (const parameter of template.parameters) expect(header, `${template.name} ${parameter.name}`).toMatch(new RegExp(`^#\\s+${parameter.name}\\s`, 'm'));
      // Plain YAML too (tags aside): the header is what `template list` shows.
      expect(parse(text, { customTags: [{ tag: '!param', resolve: (value: string) => value }] }).template.description).toBe(template.description);
    }
  });
});

function readTemplateText(name: string): string {
  return readFileSync(new URL(`./${name}.yaml`, import.meta.url), 'utf8');
}
