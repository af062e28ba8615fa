import { z } from 'zod';
import { offlineReasonSchema, satelliteStateSchema } from '../satellite.machine.ts';
import { defineTrigger, fire } from './define-trigger.ts';
import type { ChangeDeriver } from './trigger-definition.ts';

const satellitePayloadSchema = z.object({
  satelliteId: z.string(),
  name: z.string(),
  region: z.string(),
  /** The change's `at`: when the edge happened, epoch ms. */
  timestamp: z.number(),
});
export type SatelliteTriggerPayload = z.infer<typeof satellitePayloadSchema>;

const offlinePayloadSchema = satellitePayloadSchema.extend({ reason: offlineReasonSchema });
export type SatelliteOfflinePayload = z.infer<typeof offlinePayloadSchema>;

const category = 'Satellites';

export const satelliteConnected = defineTrigger({
  id: 'satellite.connected',
  displayName: 'Satellite connected',
  category,
  description: 'A satellite opened a connection to a node (it was not connected). Heartbeats and reconnects while connected fire nothing.',
  contextKey: 'satelliteId',
  payloadSchema: satellitePayloadSchema,
  lasting: { kind: 'satellite', description: 'while the satellite stays connected', holds: (_payload, state) => state !== null && state.connected === true },
});

export const satelliteDisconnected = defineTrigger({
  id: 'satellite.disconnected',
  displayName: 'Satellite disconnected',
  category,
  description: 'A connected satellite lost its connection (its socket closed, or the node holding it died). It stays online until its heartbeat deadline: satellite.heartbeat_lost follows if it does not come back in time.',
  contextKey: 'satelliteId',
  payloadSchema: satellitePayloadSchema,
  lasting: { kind: 'satellite', description: 'while the satellite stays disconnected', holds: (_payload, state) => state !== null && state.connected === false },
});

export const satelliteHeartbeatLost = defineTrigger({
  id: 'satellite.heartbeat_lost',
  displayName: 'Satellite heartbeat lost',
  category,
  description: 'An online satellite went offline because no heartbeat arrived within its threshold (connected or not).',
  contextKey: 'satelliteId',
  payloadSchema: offlinePayloadSchema,
  lasting: { kind: 'satellite', description: 'while the satellite stays offline', holds: (_payload, state) => state !== null && state.status === 'offline' },
});

export const satelliteTriggers = [satelliteConnected, satelliteDisconnected, satelliteHeartbeatLost];

/**
 * Triggers of `satellite` changes: connection edges (`connected` false → true, true → false) and
 * the online → offline edge; register, update, heartbeats and remove fire nothing.
 */
export const deriveSatelliteTriggers: ChangeDeriver = (change) => {
  if (change.kind !== 'satellite' || change.prev === null || change.next === null) return [];
  const prev = satelliteStateSchema.parse(change.prev);
  const next = satelliteStateSchema.parse(change.next);
  const base = { satelliteId: change.id, name: next.name, region: next.region, timestamp: change.at };
  const fired = [];
  if (!prev.connected && next.connected) fired.push(fire(satelliteConnected, base));
  if (prev.connected && !next.connected) fired.push(fire(satelliteDisconnected, base));
  if (prev.status === 'online' && next.status === 'offline' && next.offlineReason !== null) {
    fired.push(fire(satelliteHeartbeatLost, { ...base, reason: next.offlineReason }));
  }
  return fired;
};
