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
  /**
   * The state the event announces, for as long as it lasts: what a trigger's `for:` waits on.
   * Absent for momentary events (a creation, an update), on which `for:` is refused.
   */
  readonly lasting?: LastingState<TPayload>;
}

/**
 * "The entity is still in the state this event announced." `kind` is the entity kind whose
 * changes fire the event (the event's `source`); `holds` is evaluated on that entity's state
 * (null: absent or deleted) with the payload of the event that armed the `for:`.
 */
export interface LastingState<TPayload extends Record<string, unknown> = Record<string, unknown>> {
  readonly kind: string;
  /** Shown in the catalog, e.g. "while the system's health is not healthy". */
  readonly description: string;
  readonly holds: (payload: TPayload, state: Record<string, unknown> | null) => boolean;
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
