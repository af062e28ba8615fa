import * as z from 'zod';
import { incidentStatusSchema, type EntityChange } from '../../machines/index.ts';

export const incidentTimelineEntrySchema = z
  .object({
    version: z.number().int().positive(),
    at: z.number(),
    event: z.string().meta({ description: 'The command that made the change (create, post_update, resolve, …)' }),
    stateValue: z.unknown(),
    statusChange: z.object({ from: incidentStatusSchema.nullable(), to: incidentStatusSchema.nullable() }).optional(),
    message: z.string().optional(),
    actor: z.string().nullable().meta({ description: 'Who: token:<name>, automation:<id>, satellite:<id> or node:<id>' }),
    runId: z.string().nullable().meta({ description: 'The automation run that made it (GET /runs/{id})' }),
    automationId: z.string().nullable(),
  })
  .meta({ id: 'IncidentTimelineEntry' });
export type IncidentTimelineEntry = z.infer<typeof incidentTimelineEntrySchema>;

type Transition = Pick<EntityChange, 'version' | 'at' | 'prev' | 'next' | 'stateValue' | 'cause'> & { event: Record<string, unknown> };

/**
 * An incident's committed transitions as a timeline: what happened (the command, the status
 * change, the message posted) and who caused it, with the run to link to.
 */
export function incidentTimeline(transitions: readonly Transition[]): IncidentTimelineEntry[] {
  return transitions.map((transition) => {
    const from = (transition.prev?.status ?? null) as IncidentTimelineEntry['statusChange'] extends infer C ? (C extends { from: infer F } ? F : never) : never;
    const to = (transition.next?.status ?? null) as typeof from;
    const message = typeof transition.event.message === 'string' && transition.event.message !== '' ? transition.event.message : undefined;
    const actor = transition.cause.actor ?? null;
    return {
      version: transition.version,
      at: transition.at,
      event: String(transition.event.type ?? transition.cause.event),
      stateValue: transition.stateValue,
      ...(from !== to ? { statusChange: { from, to } } : {}),
      ...(message !== undefined ? { message } : {}),
      actor,
      runId: transition.cause.runId ?? null,
      automationId: actor?.startsWith('automation:') ? actor.slice('automation:'.length) : null,
    };
  });
}
