import {
  initialTransition,
  transition,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type EventFromLogic,
  type EventObject,
  type SnapshotFrom,
} from 'xstate';
import { changedFieldsOf, jsonEqual, type EntityChange } from './entity-change.ts';
import type { EntityDefinition } from './entity-definition.ts';
import type { EntityInput } from './shared-schemas.ts';

/**
 * Test helpers (not part of the public surface): drive machines through xstate's pure
 * `initialTransition` / `transition`, and mimic the runtime's change rule (an equal reactive
 * state and state value is a no-op) to produce the changes derivers see.
 */
// xstate's signatures stay unresolved inside generic helpers; these views are what they do at runtime.
const initialOf = initialTransition as (machine: AnyStateMachine, input: EntityInput) => [AnyMachineSnapshot, unknown[]];
const stepOf = transition as (machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: EventObject) => [AnyMachineSnapshot, unknown[]];

export function start<M extends AnyStateMachine>(machine: M, id = 'e1'): SnapshotFrom<M> {
  return initialOf(machine, { id })[0] as SnapshotFrom<M>;
}

export function send<M extends AnyStateMachine>(machine: M, snapshot: SnapshotFrom<M>, event: EventFromLogic<M>): SnapshotFrom<M> {
  return stepOf(machine, snapshot as AnyMachineSnapshot, event)[0] as SnapshotFrom<M>;
}

export function run<M extends AnyStateMachine>(machine: M, events: EventFromLogic<M>[], id = 'e1'): SnapshotFrom<M> {
  return events.reduce<SnapshotFrom<M>>((snapshot, event) => send(machine, snapshot, event), start(machine, id));
}

/** The changes the runtime would emit for `events` (refused events and no-ops emit none). */
export function changesOf<M extends AnyStateMachine>(
  definition: EntityDefinition<M>,
  events: (EventFromLogic<M> & { at: number })[],
  id = 'e1',
): EntityChange[] {
  let snapshot: AnyMachineSnapshot = initialOf(definition.machine, { id })[0];
  const toState = (of: AnyMachineSnapshot) => definition.toState(of as SnapshotFrom<M>);
  const changes: EntityChange[] = [];
  for (const event of events) {
    if (!snapshot.can(event)) continue;
    const next = stepOf(definition.machine, snapshot, event)[0];
    const before = toState(snapshot);
    const nextState = toState(next);
    const noOp = jsonEqual(snapshot.value, next.value) && jsonEqual(before, nextState);
    snapshot = next;
    if (noOp) continue;
    // The runtime has no stored row before version 1, so the first change always has prev null.
    const prevState = changes.length === 0 ? null : before;
    changes.push({
      kind: definition.kind,
      id,
      version: changes.length + 1,
      prev: prevState,
      next: nextState,
      changedFields: changedFieldsOf(prevState, nextState),
      stateValue: next.value,
      at: event.at,
      cause: { event: event.type },
    });
  }
  return changes;
}
