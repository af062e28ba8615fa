import type { ActionProvider } from './action-provider.ts';
import { automationLog, catalogUpdateMetadata } from './general.actions.ts';
import { httpRequest } from './http-request.action.ts';
import { incidentAddUpdate, incidentCreate, incidentResolve, incidentUpdateStatus } from './incident.actions.ts';

/** Every built-in provider action, by id. */
export const builtInActions: ReadonlyMap<string, ActionProvider> = new Map(
  [incidentCreate, incidentResolve, incidentAddUpdate, incidentUpdateStatus, catalogUpdateMetadata, automationLog, httpRequest].map((action) => [action.id, action]),
);
