import { describe, expect, it } from 'vitest';
import { automationScheduleDefinition, type AutomationScheduleEvent } from '../automation-schedule.machine.ts';
import { changesOf } from '../test-support.ts';
import { deriveAutomationScheduleTriggers, scheduleEventTargets, triggerMessageTargets } from './automation.triggers.ts';

const utc = (text: string) => Date.parse(`${text}:00Z`);
const base = { automationId: 'nightly-report', triggerId: 'nightly' };
const cron = { kind: 'cron', cron: '30 2 * * *', timezone: 'Europe/Berlin' } as const;
const fired = (events: AutomationScheduleEvent[]) =>
  changesOf(automationScheduleDefinition, events, 'nightly-report:nightly').map((change) => deriveAutomationScheduleTriggers(change));

describe('schedule triggers', () => {
  const configureAt = utc('2026-03-27T12:00');
  const first = utc('2026-03-28T01:30'); // 02:30 CET
  const second = utc('2026-03-29T01:30'); // 02:30 falls in the DST gap: 03:30 CEST

  it('configure, stop and re-configure fire nothing; each committed tick fires automation.cron once', () => {
    const all = fired([
      { type: 'configure', ...base, automationVersion: 2, schedule: cron, at: configureAt },
      { type: 'tick', dueAt: first, at: first + 40 },
      { type: 'tick', dueAt: first, at: first + 50 }, // redelivered timer: refused, no change
      { type: 'configure', ...base, automationVersion: 3, schedule: cron, at: first + 60 },
      { type: 'stop', ...base, automationVersion: 4, reason: 'the automation was disabled', at: first + 70 },
    ]);
    expect(all).toEqual([
      [],
      [{
        trigger: 'automation.cron', contextKey: 'scheduleId', contextValue: 'nightly-report:nightly',
        payload: { scheduleId: 'nightly-report:nightly', ...base, cron: '30 2 * * *', timezone: 'Europe/Berlin', scheduledAt: first, firedAt: first + 40, nextAt: second },
      }],
      [],
      [],
    ]);
  });

  it('interval schedules fire automation.interval with everyMs', () => {
    const every = { kind: 'interval', everyMs: 60_000 } as const;
    const all = fired([
      { type: 'configure', ...base, automationVersion: 1, schedule: every, at: 10_500 },
      { type: 'tick', dueAt: 60_000, at: 200_000 },
    ]);
    expect(all[1]).toEqual([{
      trigger: 'automation.interval', contextKey: 'scheduleId', contextValue: 'nightly-report:nightly',
      payload: { scheduleId: 'nightly-report:nightly', ...base, everyMs: 60_000, scheduledAt: 60_000, firedAt: 200_000, nextAt: 240_000 },
    }]);
  });

  it('ignores other kinds', () => {
    const [change] = changesOf(automationScheduleDefinition, [{ type: 'configure', ...base, automationVersion: 1, schedule: cron, at: 1 }], 'x');
    expect(deriveAutomationScheduleTriggers({ ...change!, kind: 'incident' })).toEqual([]);
  });
});

describe('scheduleEventTargets', () => {
  const message = (trigger: string, payload: Record<string, unknown>) => ({ trigger, payload });

  it('names the automation trigger of a schedule event, null for any other event', () => {
    expect(scheduleEventTargets(message('automation.interval', { ...base, scheduleId: 'x' }))).toEqual(base);
    expect(scheduleEventTargets(message('automation.cron', base))).toEqual(base);
    expect(scheduleEventTargets(message('incident.created', { automationId: 'a', triggerId: 't' }))).toBeNull();
  });

  it('a schedule event starts only its own automation trigger; other events start any', () => {
    const tick = message('automation.cron', base);
    expect(triggerMessageTargets(tick, 'nightly-report', 'nightly')).toBe(true);
    expect(triggerMessageTargets(tick, 'nightly-report', 'weekly')).toBe(false);
    expect(triggerMessageTargets(tick, 'other', 'nightly')).toBe(false);
    expect(triggerMessageTargets(message('automation.cron', {}), 'nightly-report', 'nightly')).toBe(false);
    expect(triggerMessageTargets(message('incident.created', {}), 'nightly-report', 'nightly')).toBe(true);
  });
});
