import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { FiredTrigger } from '../../machines/index.ts';
import { automationDefinitionSchema } from '../definition/index.ts';
import { WindowGate } from './window-gate.ts';

const definition = automationDefinitionSchema.parse({
  id: 'flaps',
  name: 'flaps',
  triggers: [{ id: 'changed', event: 'healthcheck.system.health_changed', window: { count: 2, within: '1m', partition_by: 'trigger.payload.systemId' } }],
  actions: [{ action: 'automation.log', config: { message: 'x' } }],
});
const trigger = definition.triggers[0]!;

const fired = (payload: Record<string, unknown>, version: number): FiredTrigger => ({
  id: 'changed',
  event: 'healthcheck.system.health_changed',
  payload,
  contextKey: 'systemId',
  contextValue: String(payload.systemId ?? ''),
  source: { kind: 'health', id: 'shop', version },
  at: 1_000 * version,
});

describe('WindowGate', () => {
  it('counts on the partition entity with a command id per event, and fires only on its own decision', async () => {
    const sent: Array<{ id: string; event: Record<string, unknown>; commandId: string | undefined }> = [];
    const gate = new WindowGate({
      log: pino({ level: 'silent' }),
      dispatch: async (_kind, id, event, options) => {
        sent.push({ id, event, commandId: options?.commandId });
        const occurrence = (event as { occurrence: { id: string } }).occurrence;
        return { next: { lastDecision: { occurrenceId: occurrence.id, inWindow: sent.length, fire: sent.length === 2 } } };
      },
    });
    expect(await gate.passes(definition, trigger, fired({ systemId: 'shop' }, 1), 0)).toBe(false);
    expect(await gate.passes(definition, trigger, fired({ systemId: 'shop' }, 2), 0)).toBe(true);
    expect(sent.map((call) => call.id)).toEqual(['flaps:changed:shop', 'flaps:changed:shop']);
    expect(sent[0]!.event).toMatchObject({ type: 'occur', partition: 'shop', occurrence: { id: 'health:shop:1', at: 1_000 }, count: 2, withinMs: 60_000, refire: 'once' });
    expect(new Set(sent.map((call) => call.commandId)).size).toBe(2);
  });

  it('an event its partition_by fails on is not counted (and not retried forever)', async () => {
    let calls = 0;
    const gate = new WindowGate({ log: pino({ level: 'silent' }), dispatch: async () => void calls++ });
    const broken = { ...trigger, window: { ...trigger.window!, partition_by: 'trigger.payload.details.region' } };
    expect(await gate.passes(definition, broken, fired({ systemId: 'shop' }, 3), 0)).toBe(false);
    expect(calls).toBe(0);
  });
});
