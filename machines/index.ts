import type { EntityKind } from './entity-change.ts';
import type { EntityDefinition } from './entity-definition.ts';
import { automationDefinition } from './automation.machine.ts';
import { automationDwellDefinition } from './automation-dwell.machine.ts';
import { automationRunDefinition } from './automation-run.machine.ts';
import { automationScheduleDefinition } from './automation-schedule.machine.ts';
import { automationWindowDefinition } from './automation-window.machine.ts';
import { automationScopeDefinition } from './automation-scope.machine.ts';
import { checkDefinition } from './check.machine.ts';
import { groupDefinition } from './group.machine.ts';
import { healthDefinition } from './health.machine.ts';
import { incidentDefinition } from './incident.machine.ts';
import { maintenanceDefinition } from './maintenance.machine.ts';
import { satelliteDefinition } from './satellite.machine.ts';
import { systemDefinition } from './system.machine.ts';

/**
 * Public surface of `machines/`: pure XState machines, their schemas, the change and trigger
 * contracts. Nothing here does I/O or reads a clock.
 */
export * from './entity-change.ts';
export * from './entity-definition.ts';
export * from './shared-schemas.ts';
export * from './entity-references.ts';
export * from './system.machine.ts';
export * from './group.machine.ts';
export * from './incident.machine.ts';
export * from './health.machine.ts';
export * from './satellite.machine.ts';
export * from './check.machine.ts';
export * from './push-monitor.ts';
export { maintenanceScheduleSchema, maintenanceWindowSchema, nextWindow, windowAt, type MaintenanceSchedule, type MaintenanceWindow } from './maintenance-schedule.ts';
export * from './maintenance.machine.ts';
export * from './automation.machine.ts';
export * from './automation-scope.machine.ts';
export * from './automation-run.machine.ts';
export * from './automation-schedule.machine.ts';
export * from './automation-dwell.machine.ts';
export * from './automation-window.machine.ts';
export * from './triggers/index.ts';
export {
  MAX_DOCUMENT_DEPTH,
  MAX_FREE_FORM_DEPTH,
  UNSTORABLE_CHARACTER,
  escapeUnstorable,
  findUnstorable,
  freeFormJson,
  refuseUnstorable,
  storableInput,
  toStorableText,
  truncateText,
  unstorableCodeUnit,
  type UnstorableIssue,
} from '../protocol/storable-text.ts';

/** One definition per entity kind; the runtime hosts exactly these. */
export const entityDefinitions: Record<EntityKind, EntityDefinition> = {
  system: systemDefinition,
  group: groupDefinition,
  incident: incidentDefinition,
  health: healthDefinition,
  satellite: satelliteDefinition,
  check: checkDefinition,
  maintenance: maintenanceDefinition,
  automation: automationDefinition,
  automation_scope: automationScopeDefinition,
  automation_run: automationRunDefinition,
  automation_schedule: automationScheduleDefinition,
  automation_dwell: automationDwellDefinition,
  automation_window: automationWindowDefinition,
};

/** The definition of `kind`: always found for an `EntityKind`, undefined for any other string. */
export function getEntityDefinition(kind: EntityKind): EntityDefinition;
export function getEntityDefinition(kind: string): EntityDefinition | undefined;
export function getEntityDefinition(kind: string): EntityDefinition | undefined {
  return Object.hasOwn(entityDefinitions, kind) ? entityDefinitions[kind as EntityKind] : undefined;
}
