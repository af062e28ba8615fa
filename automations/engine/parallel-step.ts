import type { AutomationRunState } from '../../machines/index.ts';
import type { AdvanceEvent } from './step-executor.ts';
import { currentStep, nextCursor, type CursorPosition, type Step, type StepCursor } from './step-cursor.ts';

/**
 * `parallel`: each branch (one step; a `sequence` step is a branch of several) has its own cursor
 * in a parallel frame. Each advance runs the next step of every unfinished branch at once and
 * records them together; the step ends when every branch is done. Branch `i` continues from the
 * frames below the parallel frame plus its own, so its steps see the enclosing loop's `repeat`.
 *
 * - Variables and artifacts: every branch step of an advance sees them as they were when the
 *   advance started; afterwards what each branch set is merged in branch order (a later branch
 *   wins for the same name).
 * - A branch step that fails (without `continue_on_error`) or stops ends the run as failed or
 *   stopped once the other branches' steps of that advance have finished (failed wins).
 * - Waiting steps inside a branch are refused when a definition is saved; one met anyway fails
 *   the run instead of waiting. A delivery step waiting for its next attempt (a wait on the run's
 *   timer alone) is the exception: the run waits until the earliest such attempt is due (the
 *   other branches' steps of that advance are recorded; their next steps run after the wait).
 * - One advance carries at most `budget` traces: beyond that many unfinished branches, the first
 *   `budget` run and the others follow in the next advance (a nested parallel shares its
 *   branch's part of the budget).
 */

/** Traces one `advance` may carry (the run machine's limit). */
export const MAX_TRACES_PER_ADVANCE = 50;

/** Runs one position of a branch (a run whose cursor is the branch's full stack), within `budget` traces. */
export type RunBranch = (run: AutomationRunState, budget: number) => Promise<AdvanceEvent>;

/** The cursor after the parallel step at `path` (cursor pointing at it): one branch per step of its list. */
export function enterParallel(step: Step, path: string, cursor: StepCursor): StepCursor {
  const branches = (step.parallel as unknown[]).map((_, index) => ({ frames: [{ list: `${path}.parallel`, index, end: index + 1 }] }));
  return nextCursor(cursor, { parallel: { path, branches } });
}

/** Runs the next step of the unfinished branches concurrently; rejects (after all settled) if one rejected. */
export async function advanceParallel(run: AutomationRunState, position: Extract<CursorPosition, { at: 'parallel' }>, budget: number, runBranch: RunBranch): Promise<AdvanceEvent> {
  const below = position.cursor.frames.slice(0, -1);
  const chosen = position.branches.flatMap((branch, index) => (branch ? [{ index, frames: branch.frames }] : [])).slice(0, Math.max(1, budget));
  const share = (k: number) => Math.max(1, Math.floor(budget / chosen.length) + (k < budget % chosen.length ? 1 : 0));
  const settled = await Promise.allSettled(chosen.map((branch, k) => runBranch({ ...run, cursor: { frames: [...below, ...branch.frames] } }, share(k))));
  const rejected = settled.find((result) => result.status === 'rejected');
  if (rejected) throw rejected.reason;
  const results = settled.map((result) => (result as PromiseFulfilledResult<AdvanceEvent>).value);

  const branches = [...position.branches];
  chosen.forEach((branch, k) => {
    const frames = (results[k]!.cursor as StepCursor).frames.slice(below.length);
    branches[branch.index] = currentStep(run.definition, { frames })?.cursor ?? null;
  });
  const variables = mergeChanges(run.variables, results.map((result) => result.variables));
  const artifacts = mergeChanges(run.artifacts, results.map((result) => result.artifacts));
  return {
    type: 'advance',
    seq: run.seq,
    cursor: { frames: [...below, { parallel: { path: position.path, branches } }] },
    steps: results.flatMap((result) => result.steps),
    next: combinedNext(results),
    ...(variables ? { variables } : {}),
    ...(artifacts ? { artifacts } : {}),
  };
}

function combinedNext(results: AdvanceEvent[]): AdvanceEvent['next'] {
  const failed = results.find((result) => result.next.status === 'failed');
  if (failed) return failed.next;
  const waiting = results.filter((result) => result.next.status === 'waiting');
  // A delivery waiting for its next attempt (a wait on the timer alone): the run waits until the
  // earliest branch's is due, then runs every unfinished branch's step again.
  const unsupported = waiting.find((result) => !waitsForDelivery(result));
  if (unsupported) {
    const trace = unsupported.steps.at(-1);
    return { status: 'failed', reason: `${trace?.path ?? 'parallel'}: \`${trace?.kind ?? 'waiting'}\` inside parallel is not supported by this version of Vigil yet` };
  }
  const stopped = results.find((result) => result.next.status === 'stopped');
  if (stopped) return stopped.next;
  if (waiting.length > 0) return { status: 'waiting', wakeAt: Math.min(...waiting.map((result) => (result.next as { wakeAt: number }).wakeAt)) };
  return { status: 'running' };
}

/** A wait on the timer alone whose advance traces an action waiting: a delivery's next attempt. */
function waitsForDelivery(result: AdvanceEvent): boolean {
  const { next } = result;
  return next.status === 'waiting' && next.wait === undefined && next.wakeAt !== null && result.steps.some((trace) => trace.kind === 'action' && trace.status === 'waiting');
}

/** `base` with the entries each branch changed (by identity: unchanged entries keep theirs), in branch order. */
function mergeChanges(base: Record<string, unknown>, changes: Array<Record<string, unknown> | undefined>): Record<string, unknown> | undefined {
  if (changes.every((change) => change === undefined)) return undefined;
  const merged = { ...base };
  for (const change of changes) {
    for (const [key, value] of Object.entries(change ?? {})) {
      if (!Object.hasOwn(base, key) || base[key] !== value) merged[key] = value;
    }
  }
  return merged;
}
