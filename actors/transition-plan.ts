import type { AnyMachineSnapshot } from 'xstate';
import { changedFieldsOf, jsonEqual, type EntityChange, type EntityDefinition, type ReactiveState } from '../machines/index.ts';
import type { PendingCommit } from '../persistence/index.ts';
import type { Delivery } from './entity-host.ts';
import { RuntimeError } from './errors.ts';
import { stepperFor } from './machine-stepper.ts';

/** The committed state a batch starts from. */
export interface CommittedEntity {
  definition: EntityDefinition;
  id: string;
  partition: number;
  snapshot: AnyMachineSnapshot;
  version: number;
  state: ReactiveState;
  timersJson: string;
}

/** What a batch of events does to an entity, before anything is written. */
export interface TransitionPlan {
  /** Undefined when no event changed anything (nothing to write). */
  commit: PendingCommit | undefined;
  /** The entity after the batch, to adopt once `commit` is durable. */
  after: Omit<CommittedEntity, 'definition' | 'id' | 'partition'>;
  /** Answers every caller of the batch (call only after the commit, or when there is none). */
  settle(): void;
}

/**
 * Pure: applies queued events in order with XState's machine transition (no actions run), stamping
 * each with `clock()`. An event the current state does not accept is refused (a runtime-only
 * event is ignored instead); one that changes neither the state value nor the context is a no-op
 * (its caller gets null, nothing is written); every other event becomes the next version.
 */
export function planTransitions(entity: CommittedEntity, batch: Delivery[], clock: () => number): TransitionPlan {
  const { definition, id } = entity;
  const stepper = stepperFor(definition.machine);
  let { snapshot, state, version } = entity;
  const transitions: PendingCommit['transitions'] = [];
  const outcomes: Array<() => void> = [];

  // The same command id twice in one batch: the second gets the first one's answer.
  const answered = new Map<string, (delivery: Delivery) => () => void>();
  for (const delivery of batch) {
    const repeat = delivery.cause.commandId === undefined ? undefined : answered.get(delivery.cause.commandId);
    if (repeat) {
      outcomes.push(repeat(delivery));
      continue;
    }
    const answer = (make: (delivery: Delivery) => () => void) => {
      if (delivery.cause.commandId !== undefined) answered.set(delivery.cause.commandId, make);
      outcomes.push(make(delivery));
    };
    const timedEvent = { ...delivery.event, at: clock() };
    if (!snapshot.can(timedEvent)) {
      const refusal = RuntimeError.eventNotAllowed(definition.kind, id, delivery.event.type, snapshot.value);
      answer((each) => (each.internal ? () => each.resolve(null) : () => each.reject(refusal)));
      continue;
    }
    const next = stepper.next(snapshot, timedEvent);
    if (next.status === 'error') {
      const failure = RuntimeError.machineFailed(definition.kind, id, delivery.event.type, next.error);
      answer((each) => () => each.reject(failure));
      continue;
    }
    if (jsonEqual(next.value, snapshot.value) && jsonEqual(next.context, snapshot.context)) {
      answer((each) => () => each.resolve(null));
      continue;
    }
    const nextState = definition.toState(next);
    const change: EntityChange = {
      kind: definition.kind,
      id,
      version: ++version,
      prev: state,
      next: nextState,
      changedFields: changedFieldsOf(state, nextState),
      stateValue: next.value,
      at: timedEvent.at,
      cause: { event: delivery.event.type, ...delivery.cause },
    };
    transitions.push({ change, event: timedEvent });
    answer((each) => () => each.resolve(change));
    snapshot = next;
    state = nextState;
  }

  const timers = definition.timers(snapshot);
  const timersJson = JSON.stringify(timers);
  const commit: PendingCommit | undefined =
    transitions.length === 0
      ? undefined
      : {
          kind: definition.kind,
          id,
          partition: entity.partition,
          baseVersion: entity.version,
          transitions,
          snapshot: { value: snapshot.value, context: snapshot.context },
          machineVersion: definition.machineVersion,
          ...(timersJson !== entity.timersJson ? { timers } : {}),
        };
  return { commit, after: { snapshot, state, version, timersJson }, settle: () => outcomes.forEach((settle) => settle()) };
}
