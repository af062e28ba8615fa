import { describe, expect, it } from 'vitest';
import { automationDefinitionSchema } from '../definition/index.ts';
import type { AutomationScheduleState, AutomationState } from '../../machines/index.ts';
import { reconcileCommands, scheduleCommands, schedulesOf } from './schedule-keeper.ts';

const automation = (triggers: unknown[], enabled = true): AutomationState => ({
  id: 'report',
  revision: 1,
  enabled,
  savedAt: 1,
  definition: automationDefinitionSchema.parse({ id: 'report', name: 'Report', triggers, actions: [{ action: 'automation.log', config: { message: 'x' } }] }),
});
const nightly = { id: 'nightly', event: 'automation.cron', cron: '30 2 * * *', timezone: 'Europe/Berlin' };
const often = { id: 'often', event: 'automation.interval', every: '5m' };
const created = { id: 'created', event: 'incident.created' };

const stored = (triggerId: string, fields: Partial<AutomationScheduleState>): AutomationScheduleState => ({
  scheduleId: `report:${triggerId}`, automationId: 'report', triggerId, automationVersion: 3, schedule: { kind: 'interval', everyMs: 300_000 },
  status: 'armed', nextAt: 1, fired: 0, lastScheduledAt: null, lastFiredAt: null, configuredAt: 0, stopReason: null, ...fields,
});

describe('schedule keeper decisions', () => {
  it('reads the schedule triggers of a definition (UTC by default)', () => {
    expect(schedulesOf(automation([nightly, often, created, { id: 'daily', event: 'automation.cron', cron: '@daily' }]).definition)).toEqual(new Map([
      ['nightly', { kind: 'cron', cron: '30 2 * * *', timezone: 'Europe/Berlin' }],
      ['often', { kind: 'interval', everyMs: 300_000 }],
      ['daily', { kind: 'cron', cron: '@daily', timezone: 'UTC' }],
    ]));
  });

  it('configures every schedule trigger of an enabled automation, stamped with its version', () => {
    expect(scheduleCommands('report', 3, automation([nightly, often, created]), [])).toEqual([
      { scheduleId: 'report:nightly', event: { type: 'configure', automationId: 'report', triggerId: 'nightly', automationVersion: 3, schedule: { kind: 'cron', cron: '30 2 * * *', timezone: 'Europe/Berlin' } } },
      { scheduleId: 'report:often', event: { type: 'configure', automationId: 'report', triggerId: 'often', automationVersion: 3, schedule: { kind: 'interval', everyMs: 300_000 } } },
    ]);
  });

  it('stops the schedules a change takes away: trigger removed, automation disabled or deleted', () => {
    const stops = (next: AutomationState | null) => scheduleCommands('report', 4, next, ['nightly', 'often']).filter((command) => command.event.type === 'stop').map((command) => [command.scheduleId, command.event.reason]);
    expect(stops(automation([often]))).toEqual([['report:nightly', 'the trigger was removed or is no longer a schedule']]);
    expect(stops(automation([nightly, often], false))).toEqual([['report:nightly', 'the automation was disabled'], ['report:often', 'the automation was disabled']]);
    expect(stops(null)).toEqual([['report:nightly', 'the automation was deleted'], ['report:often', 'the automation was deleted']]);
    expect(scheduleCommands('report', 4, automation([nightly, often], false), [])).toEqual([]);
  });

  it('reconciling at start sends only what the stored schedules do not reflect yet', () => {
    const state = automation([often]);
    expect(reconcileCommands('report', 3, state, [stored('often', {})])).toEqual([]);
    // Never configured (the automation predates the keeper), stopped, older version, another schedule: configure.
    for (const fields of [null, { status: 'stopped' as const, nextAt: null }, { automationVersion: 2 }, { schedule: { kind: 'interval' as const, everyMs: 60_000 } }]) {
      const commands = reconcileCommands('report', 3, state, fields === null ? [] : [stored('often', fields)]);
      expect(commands.map((command) => [command.scheduleId, command.event.type]), JSON.stringify(fields)).toEqual([['report:often', 'configure']]);
    }
    // A stored schedule the automation no longer has: stopped if armed, left alone if stopped already.
    expect(reconcileCommands('report', 5, state, [stored('often', {}), stored('gone', {})]).map((command) => [command.scheduleId, command.event.type]))
      .toEqual([['report:often', 'configure'], ['report:gone', 'stop']]);
    expect(reconcileCommands('report', 5, null, [stored('often', { status: 'stopped', automationVersion: 5 })])).toEqual([]);
    // A schedule already past the version read (a change landed in between): nothing to send.
    expect(reconcileCommands('report', 3, null, [stored('often', { automationVersion: 4 })])).toEqual([]);
  });
});
