import type { ActionProvider } from './action-provider.ts';
import { automationLog, catalogUpdateMetadata } from './general.actions.ts';
import { httpRequest } from './http-request.action.ts';
import { incidentAddUpdate, incidentCreate, incidentResolve, incidentUpdateStatus } from './incident.actions.ts';
import { notifyEmail } from './notify-email.action.ts';
import { notifySlack } from './notify-slack.action.ts';
import { notifyWebhook } from './notify-webhook.action.ts';

/** Every built-in provider action, by id. */
export const builtInActions: ReadonlyMap<string, ActionProvider> = new Map(
  [incidentCreate, incidentResolve, incidentAddUpdate, incidentUpdateStatus, catalogUpdateMetadata, automationLog, httpRequest, notifySlack, notifyEmail, notifyWebhook].map((action) => [action.id, action]),
);
