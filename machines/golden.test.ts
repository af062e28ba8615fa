import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import type { EntityKind } from './entity-change.ts';
import type { DurableTimer, EntityDefinition } from './entity-definition.ts';
import { scenarios } from './golden/scenarios.ts';
import { entityDefinitions, entityKinds } from './index.ts';

/**
 * Golden transition logs: `golden/<kind>.v<machineVersion>.json` hold events and, after each, the
 * expected state value, reactive state and timers. They are replayed against the current machines,
 * so a change that alters stored history fails here unless the machine version is bumped.
 *
 * `UPDATE_GOLDEN=1 npx vitest run machines/golden` writes the files that are missing (from
 * golden/scenarios.ts). It never overwrites: regenerating a version's log means deleting it
 * on purpose.
 */
interface GoldenStep {
  event: { type: string; at: number };
  accepted: boolean;
  value: unknown;
  state: Record<string, unknown> | null;
  timers: DurableTimer[];
}
interface GoldenLog { kind: EntityKind; machineVersion: number; id: string; steps: GoldenStep[] }

const fileOf = (definition: EntityDefinition) =>
  new URL(`./golden/${definition.kind}.v${definition.machineVersion}.json`, import.meta.url);

// Each step resumes from value + JSON context, the way a stored snapshot is rehydrated.
function rehydrate(definition: EntityDefinition, snapshot: AnyMachineSnapshot): AnyMachineSnapshot {
  const stored = JSON.parse(JSON.stringify({ value: snapshot.value, context: snapshot.context }));
  return definition.machine.resolveState(stored);
}

function replay(definition: EntityDefinition, id: string, events: GoldenStep['event'][]): GoldenStep[] {
  let snapshot: AnyMachineSnapshot = initialTransition(definition.machine, { id })[0];
  return events.map((event) => {
    snapshot = rehydrate(definition, snapshot);
    const accepted = snapshot.can(event);
    if (accepted) snapshot = transition(definition.machine, snapshot, event)[0];
    return { event, accepted, value: snapshot.value, state: definition.toState(snapshot), timers: definition.timers(snapshot) };
  });
}

function writeMissing(definition: EntityDefinition): void {
  const file = fileOf(definition);
  if (existsSync(file)) return;
  const { id, events } = scenarios[definition.kind];
  const wire = events.map(({ at, ...event }) => ({ ...definition.eventSchema.parse(event), at }));
  const log: GoldenLog = { kind: definition.kind, machineVersion: definition.machineVersion, id, steps: replay(definition, id, wire) };
  mkdirSync(new URL('./golden/', import.meta.url), { recursive: true });
  writeFileSync(file, JSON.stringify(log, null, 2) + '\n');
}

describe('golden transition logs', () => {
  it.each(entityKinds)('%s replays its log for the current machine version', (kind) => {
    const definition = entityDefinitions[kind];
    if (process.env.UPDATE_GOLDEN) writeMissing(definition);
    const file = fileOf(definition);
    expect(existsSync(file), `${file.pathname} missing: run UPDATE_GOLDEN=1 npx vitest run machines/golden`).toBe(true);
    const log = JSON.parse(readFileSync(file, 'utf8')) as GoldenLog;
    expect(log).toMatchObject({ kind, machineVersion: definition.machineVersion });
    for (const step of log.steps) {
      const { at, ...event } = step.event;
      expect(definition.eventSchema.safeParse(event).success, `golden event ${JSON.stringify(step.event)}`).toBe(true);
      if (step.state !== null) expect(definition.stateSchema.parse(step.state)).toEqual(step.state);
      expect(at).toBeTypeOf('number');
    }
    expect(replay(definition, log.id, log.steps.map((step) => step.event))).toEqual(log.steps);
  });

  it('every log walks both accepted and refused events', () => {
    for (const kind of entityKinds) {
      const log = JSON.parse(readFileSync(fileOf(entityDefinitions[kind]), 'utf8')) as GoldenLog;
      expect(log.steps.some((step) => step.accepted)).toBe(true);
      if (kind !== 'health') expect(log.steps.some((step) => !step.accepted)).toBe(true);
    }
  });
});
