import { describe, expect, it } from 'vitest';
import { automationDefinitionSchema } from './automation-definition.ts';
import { automationJsonSchema } from './json-schema.ts';
import { flattenIssues, toDefinitionErrors } from './validation-issues.ts';

const withTriggers = (triggers: unknown[]) => ({ id: 'report', name: 'Report', triggers, actions: [{ action: 'automation.log', config: { message: 'tick' } }] });

function errorsOf(input: unknown): Array<{ path: string; message: string }> {
  const result = automationDefinitionSchema.safeParse(input);
  if (result.success) throw new Error('expected the definition to be invalid');
  return toDefinitionErrors(flattenIssues(result.error.issues, input));
}

describe('schedule trigger fields', () => {
  it('accepts cron (with an optional time zone) and every, stored in their parsed form', () => {
    const definition = automationDefinitionSchema.parse(withTriggers([
      { id: 'nightly', event: 'automation.cron', cron: '30 2 * * *', timezone: 'Europe/Berlin' },
      { id: 'hourly', event: 'automation.cron', cron: '@hourly' },
      { id: 'often', event: 'automation.interval', every: '90s' },
    ]));
    expect(definition.triggers).toEqual([
      { id: 'nightly', event: 'automation.cron', cron: '30 2 * * *', timezone: 'Europe/Berlin' },
      { id: 'hourly', event: 'automation.cron', cron: '@hourly' },
      { id: 'often', event: 'automation.interval', every: 90_000 },
    ]);
    // The stored form parses to itself.
    expect(automationDefinitionSchema.parse(JSON.parse(JSON.stringify(definition)))).toEqual(definition);
  });

  it('explains an invalid cron expression, an unknown time zone and an interval below 1 s', () => {
    expect(errorsOf(withTriggers([{ id: 'a', event: 'automation.cron', cron: '0 25 * * *', timezone: 'Europe/Nowhere' }]))).toEqual([
      { path: 'triggers[0].cron', message: 'invalid cron expression: hour: 25 is out of range 0-23' },
      { path: 'triggers[0].timezone', message: 'unknown time zone; use an IANA name such as "Europe/Berlin" or "UTC"' },
    ]);
    expect(errorsOf(withTriggers([{ id: 'a', event: 'automation.cron', cron: '0 0 30 2 *' }]))).toEqual([
      { path: 'triggers[0].cron', message: 'invalid cron expression: day-of-month 30 never occurs in FEB' },
    ]);
    expect(errorsOf(withTriggers([{ id: 'a', event: 'automation.interval', every: '500ms' }]))).toEqual([
      { path: 'triggers[0].every', message: 'an interval must be at least 1s (got 500ms)' },
    ]);
    expect(errorsOf(withTriggers([{ id: 'a', event: 'automation.interval', every: '5 minutes' }]))[0]).toMatchObject({ path: 'triggers[0].every' });
  });

  it('requires the schedule of its own event and refuses schedule keys on other events', () => {
    expect(errorsOf(withTriggers([{ id: 'a', event: 'automation.cron' }, { id: 'b', event: 'automation.interval' }]))).toEqual([
      { path: 'triggers[0].cron', message: 'automation.cron needs `cron`, e.g. "*/5 * * * *" or "0 9 * * MON-FRI"' },
      { path: 'triggers[1].every', message: 'automation.interval needs `every`, e.g. "30s" or "5m"' },
    ]);
    expect(errorsOf(withTriggers([
      { id: 'a', event: 'automation.interval', every: '1m', cron: '* * * * *', timezone: 'UTC' },
      { id: 'b', event: 'incident.created', every: '1m' },
      { id: 'c', event: 'automation.cron', cron: '@daily', every: '1d' },
    ]))).toEqual([
      { path: 'triggers[0].cron', message: '`cron` is only for automation.cron triggers' },
      { path: 'triggers[0].timezone', message: '`timezone` is only for automation.cron triggers' },
      { path: 'triggers[1].every', message: '`every` is only for automation.interval triggers' },
      { path: 'triggers[2].every', message: '`every` is only for automation.interval triggers' },
    ]);
  });

  it('appears in the published JSON Schema of a trigger', () => {
    const trigger = (automationJsonSchema().$defs as Record<string, { properties: Record<string, { description?: string; $ref?: string }> }>).Trigger!;
    expect(Object.keys(trigger.properties)).toEqual(expect.arrayContaining(['cron', 'timezone', 'every']));
    expect(trigger.properties.cron!.description).toContain('automation.cron only');
    expect(JSON.stringify(trigger.properties.every)).toContain('#/$defs/Duration');
  });
});
