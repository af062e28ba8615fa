import { z } from 'zod';
import type { EntityChange } from '../entity-change.ts';

/**
 * A trigger: a domain event derived from entity changes, published on `vigil.trigger.<id>`.
 * Automations subscribe to triggers by id. `contextKey` names the payload field that identifies
 * the subject of the event (e.g. `incidentId`), so automations can correlate runs.
 */
export interface TriggerDefinition<TPayload extends Record<string, unknown> = Record<string, unknown>> {
  /** Fully qualified: `<domain>.<event>` (e.g. `healthcheck.system.degraded`). */
  readonly id: string;
  readonly displayName: string;
  /** Shown to users to group triggers; "Uncategorized" when not given. */
  readonly category: string;
  readonly description: string;
  readonly contextKey: keyof TPayload & string;
  readonly payloadSchema: z.ZodType<TPayload>;
}

/** One trigger fired by one change. `payload` has passed the trigger's payload schema. */
export interface TriggerEvent {
  trigger: string;
  contextKey: string;
  contextValue: string;
  payload: Record<string, unknown>;
}

/** The envelope published on `vigil.trigger.<id>` (see docs/PROTOCOL.md). */
export const triggerMessageSchema = z.object({
  trigger: z.string(),
  contextKey: z.string(),
  contextValue: z.string(),
  payload: z.record(z.string(), z.unknown()),
  source: z.object({ kind: z.string(), id: z.string(), version: z.number().int().positive() }),
  at: z.number().int().nonnegative(),
});
export type TriggerMessage = z.infer<typeof triggerMessageSchema>;

/** Pure: a change in, the triggers it fires out (possibly none). */
export type ChangeDeriver = (change: EntityChange) => TriggerEvent[];
