import { createActor, type ActorScope, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';

/** Pure steps of one machine: its initial snapshot for an entity, and the next snapshot for an event. */
export interface MachineStepper {
  initial(id: string): AnyMachineSnapshot;
  next(snapshot: AnyMachineSnapshot, event: { type: string }): AnyMachineSnapshot;
}

const steppers = new WeakMap<AnyStateMachine, MachineStepper>();

/**
 * Like XState's `initialTransition()` / `transition()`, without their per-call cost: those build
 * a throwaway actor (and compute a throwaway initial state) on every call, ~40 µs; this builds
 * one inert actor scope per machine and reuses it, ~6 µs. Actions are collected by the scope and
 * never executed: Vigil's machines only `assign`, and side effects belong to the runtime.
 * Only for machines that spawn no children (a shared scope would share their system).
 */
export function stepperFor(machine: AnyStateMachine): MachineStepper {
  let stepper = steppers.get(machine);
  if (!stepper) {
    stepper = createStepper(machine);
    steppers.set(machine, stepper);
  }
  return stepper;
}

function createStepper(machine: AnyStateMachine): MachineStepper {
  const self = createActor(machine, { input: { id: '' } });
  const scope = {
    self,
    id: '',
    sessionId: '',
    logger: () => undefined,
    defer: () => undefined,
    system: self.system,
    stopChild: () => undefined,
    emit: () => undefined,
    actionExecutor: () => undefined,
  } as unknown as ActorScope<AnyMachineSnapshot, { type: string }>;
  return {
    initial: (id) => machine.getInitialSnapshot(scope as never, { id }),
    next: (snapshot, event) => machine.transition(snapshot, event, scope as never),
  };
}
