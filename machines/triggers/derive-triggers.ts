import type { EntityChange, EntityKind } from '../entity-change.ts';
import { deriveAutomationScheduleTriggers } from './automation.triggers.ts';
import { deriveCatalogTriggers } from './catalog.triggers.ts';
import { deriveHealthcheckTriggers } from './healthcheck.triggers.ts';
import { deriveIncidentTriggers } from './incident.triggers.ts';
import { deriveMaintenanceTriggers } from './maintenance.triggers.ts';
import { deriveSatelliteTriggers } from './satellite.triggers.ts';
import type { ChangeDeriver, TriggerEvent } from './trigger-definition.ts';

const derivers: Record<EntityKind, ChangeDeriver> = {
  system: deriveCatalogTriggers,
  group: deriveCatalogTriggers,
  incident: deriveIncidentTriggers,
  health: deriveHealthcheckTriggers,
  satellite: deriveSatelliteTriggers,
  // Checks change what satellites run; nothing reacts to them as domain events (yet).
  check: () => [],
  maintenance: deriveMaintenanceTriggers,
  // Automations and their runs are the consumers of triggers, not a source of them.
  automation: () => [],
  automation_scope: () => [],
  automation_run: () => [],
  // A schedule's tick is the occurrence of its automation.cron / automation.interval trigger.
  automation_schedule: deriveAutomationScheduleTriggers,
  automation_dwell: () => [],
  automation_window: () => [],
};

/**
 * Pure: the trigger events one committed change fires (possibly none), payloads already
 * validated. Deterministic, so re-deriving a re-delivered change yields the same events.
 * Throws a ZodError when the change's `prev`/`next` do not match its kind's state schema.
 */
export function deriveTriggers(change: EntityChange): TriggerEvent[] {
  return derivers[change.kind](change);
}
