import { z } from 'zod';
import { maintenanceStateSchema, type MaintenanceState } from '../maintenance.machine.ts';
import { defineTrigger, fire } from './define-trigger.ts';
import type { ChangeDeriver, TriggerEvent } from './trigger-definition.ts';

const maintenancePayloadSchema = z.object({
  maintenanceId: z.string(),
  title: z.string(),
  /** The systems under maintenance in this window. */
  systemIds: z.array(z.string()),
  /** Epoch ms: when the window started (as planned; the change's `at` says when it was noticed). */
  startsAt: z.number(),
  /** Epoch ms: on `started`, the planned end; on `ended`, when it ended (planned end, or earlier when cut short). */
  endsAt: z.number(),
});
export type MaintenanceTriggerPayload = z.infer<typeof maintenancePayloadSchema>;

const category = 'Maintenance';

export const maintenanceStarted = defineTrigger({
  id: 'maintenance.started',
  displayName: 'Maintenance started',
  category,
  description:
    'A maintenance window began: the maintenance became active (its start time came, or it was created or rescheduled inside a window). Never fired for a window that was already over when its timer fired.',
  contextKey: 'maintenanceId',
  payloadSchema: maintenancePayloadSchema,
  lasting: { kind: 'maintenance', description: 'while the maintenance stays active', holds: (_payload, state) => state !== null && state.status === 'active' },
});

export const maintenanceEnded = defineTrigger({
  id: 'maintenance.ended',
  displayName: 'Maintenance ended',
  category,
  description:
    'An active maintenance window is over: its end time came, or it was cancelled, deleted or rescheduled outside the window. Fired exactly once for every maintenance.started.',
  contextKey: 'maintenanceId',
  payloadSchema: maintenancePayloadSchema,
  lasting: { kind: 'maintenance', description: 'while the maintenance is not active', holds: (_payload, state) => state === null || state.status !== 'active' },
});

export const maintenanceTriggers = [maintenanceStarted, maintenanceEnded];

/**
 * Triggers of `maintenance` changes: `status` entering `active` fires started, leaving it fires
 * ended (a cancel or delete while active too). A change that stays active but moves
 * `currentWindow.startsAt` (a late timer found a later window already running) fires ended for the
 * old window, then started for the new one. Everything else fires nothing.
 */
export const deriveMaintenanceTriggers: ChangeDeriver = (change) => {
  if (change.kind !== 'maintenance') return [];
  const prev = change.prev === null ? null : maintenanceStateSchema.parse(change.prev);
  const next = change.next === null ? null : maintenanceStateSchema.parse(change.next);
  const before = prev?.currentWindow ?? null;
  const after = next?.currentWindow ?? null;
  const fired: TriggerEvent[] = [];
  const payload = (state: MaintenanceState, startsAt: number, endsAt: number) =>
    ({ maintenanceId: change.id, title: state.title, systemIds: state.systemIds, startsAt, endsAt });
  if (prev !== null && before !== null && before.startsAt !== after?.startsAt) {
    // Cut short (cancel, delete, reschedule): it ended at the change; never before it began, whatever the clocks say.
    const endedAt = Math.max(before.startsAt, Math.min(change.at, before.endsAt));
    fired.push(fire(maintenanceEnded, payload(prev, before.startsAt, endedAt)));
  }
  if (next !== null && after !== null && after.startsAt !== before?.startsAt) {
    fired.push(fire(maintenanceStarted, payload(next, after.startsAt, after.endsAt)));
  }
  return fired;
};
