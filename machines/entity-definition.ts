import type { AnyStateMachine, SnapshotFrom } from 'xstate';
import type { z } from 'zod';
import { storableInput } from '../protocol/storable-text.ts';
import type { EntityKind, ReactiveState } from './entity-change.ts';

/**
 * Every event a machine receives carries `at`: the time it happened, in epoch milliseconds,
 * stamped by the runtime. Machines never read a clock, so a stored history replays identically.
 */
export type Timed<TEvent extends { type: string }> = TEvent & { at: number };

/**
 * A deadline an entity waits for. The runtime stores it with its absolute due time (table
 * `entity_timers`) and, once `now >= dueAt`, sends `event` (stamped with `at`) to the entity.
 * Firing is at-least-once; the machine makes it at-most-once in effect by ignoring a timer event
 * whose `dueAt` is no longer the one in its context.
 */
export interface DurableTimer {
  /** Unique per entity; a later snapshot with the same name replaces the deadline. */
  name: string;
  /** Epoch milliseconds; the event is never delivered before this time. */
  dueAt: number;
  event: { type: string; dueAt: number };
}

/**
 * What the runtime needs to host one kind of entity: its machine, the zod schemas of what
 * crosses the boundary, and how to read its reactive state and its deadlines from a snapshot.
 */
export interface EntityDefinition<TMachine extends AnyStateMachine = AnyStateMachine> {
  readonly kind: EntityKind;
  readonly machine: TMachine;
  /** Bumped whenever the machine changes in a way that affects stored snapshots. */
  readonly machineVersion: number;
  /**
   * Every event the machine accepts, without `at` (the runtime stamps it). `defineEntity` wraps
   * the kind's schema so it also refuses, before anything else, any text PostgreSQL cannot store
   * (NUL, unpaired surrogates; in values and object keys) and nesting deeper than 64 levels.
   */
  readonly eventSchema: z.ZodType<{ type: string }>;
  /** Event types only the runtime sends (timer firings); refused when they arrive as commands. */
  readonly internalEventTypes: readonly string[];
  /** The reactive state carried by changes as `prev` / `next` (never null here). */
  readonly stateSchema: z.ZodType<Record<string, unknown>>;
  /** The reactive state of a snapshot, or null while the entity does not exist (not created, deleted). */
  toState(snapshot: SnapshotFrom<TMachine>): ReactiveState;
  /** The deadlines this snapshot waits for (empty when none). */
  timers(snapshot: SnapshotFrom<TMachine>): DurableTimer[];
}

/**
 * Keeps the machine's own type while checking the definition's shape, and makes its event schema
 * refuse unstorable input (`storableInput`): every kind is defined through here, so none can
 * forget it. The kind's own `…EventSchema` export stays unwrapped for composing other schemas.
 */
export function defineEntity<TMachine extends AnyStateMachine>(
  definition: EntityDefinition<TMachine>,
): EntityDefinition<TMachine> {
  return { ...definition, eventSchema: storableInput(definition.eventSchema) };
}
