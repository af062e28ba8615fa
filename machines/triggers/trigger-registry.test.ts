import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { EntityChange } from '../entity-change.ts';
import { deriveTriggers } from './derive-triggers.ts';
import { defineTrigger, getTrigger, listTriggers } from './trigger-registry.ts';

const allIds = [
  'automation.cron', 'automation.interval',
  'catalog.created', 'catalog.deleted', 'catalog.group.created', 'catalog.group.deleted', 'catalog.updated',
  'healthcheck.system.degraded', 'healthcheck.system.health_changed', 'healthcheck.system.healthy',
  'incident.created', 'incident.resolved', 'incident.updated',
  'maintenance.ended', 'maintenance.started',
  'satellite.connected', 'satellite.disconnected', 'satellite.heartbeat_lost',
];

describe('trigger registry', () => {
  it('lists every trigger, sorted, with a JSON Schema of its payload', () => {
    const listing = listTriggers();
    expect(listing.map((trigger) => trigger.id)).toEqual(allIds);
    const degraded = listing.find((trigger) => trigger.id === 'healthcheck.system.degraded');
    expect(degraded).toMatchObject({ contextKey: 'systemId', category: 'Health checks', displayName: 'System degraded' });
    expect(degraded?.payloadJsonSchema).toMatchObject({
      type: 'object',
      properties: { systemId: { type: 'string' }, newStatus: { enum: ['healthy', 'degraded', 'unhealthy'] } },
      required: expect.arrayContaining(['systemId', 'previousStatus', 'newStatus', 'healthyChecks', 'totalChecks']),
    });
    for (const trigger of listing) {
      expect(trigger.description).not.toBe('');
      expect(trigger.payloadJsonSchema).toHaveProperty('properties.' + trigger.contextKey);
    }
  });

  it('getTrigger finds by id', () => {
    expect(getTrigger('incident.resolved')?.contextKey).toBe('incidentId');
    expect(getTrigger('incident.nope')).toBeUndefined();
  });

  it('defineTrigger defaults category and description, and rejects unqualified ids', () => {
    const payloadSchema = z.object({ thingId: z.string() });
    expect(defineTrigger({ id: 'demo.thing_happened', displayName: 'Thing', contextKey: 'thingId', payloadSchema })).toMatchObject({
      category: 'Uncategorized', description: '',
    });
    expect(() => defineTrigger({ id: 'nodomain', displayName: 'x', contextKey: 'thingId', payloadSchema })).toThrow(/invalid trigger id/);
    expect(() => defineTrigger({ id: 'Demo.x', displayName: 'x', contextKey: 'thingId', payloadSchema })).toThrow(/invalid trigger id/);
  });
});

describe('deriveTriggers', () => {
  const change = (kind: EntityChange['kind'], next: Record<string, unknown>): EntityChange => ({
    kind, id: 'x1', version: 1, prev: null, next, changedFields: [], stateValue: 'active', at: 5, cause: { event: 'create' },
  });

  it('dispatches on change.kind', () => {
    expect(deriveTriggers(change('group', { id: 'x1', name: 'G', metadata: {}, createdAt: 5 }))[0]?.trigger).toBe('catalog.group.created');
    expect(deriveTriggers(change('system', { id: 'x1', name: 'S', description: '', metadata: {}, groupIds: [], createdAt: 5 }))[0]?.trigger)
      .toBe('catalog.created');
  });

  it('throws on a state that does not match its kind (a bug upstream, not input)', () => {
    expect(() => deriveTriggers(change('incident', { id: 'x1' }))).toThrow();
  });
});
