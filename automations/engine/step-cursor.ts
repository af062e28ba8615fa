/**
 * Where a run is in its program. The program is the definition's `actions`; control steps
 * (`sequence`, `choose`, `repeat`, `parallel`) enter nested step lists. The cursor is a stack of
 * frames. A list frame names a step list by its path in the definition (e.g.
 * `actions[2].choose[0].sequence`) and holds the index of the next step in it; a repeat body's
 * frame also carries the loop (`repeat`), and its path names the iteration
 * (`actions[0].repeat#3.sequence`). A parallel frame holds one cursor per branch (null once the
 * branch is done). The cursor is plain JSON: it is stored with the run after every step, so a
 * loop or a set of branches resumes where it was on any node.
 */
export interface StepCursor {
  frames: CursorFrame[];
}

export type CursorFrame = ListFrame | ParallelFrame;

export interface ListFrame {
  /** Path of a step list; `#<n>` after `repeat` names an iteration and is ignored when resolving. */
  list: string;
  /** The next step to run in `list`. */
  index: number;
  /** Exclusive end when the frame covers part of the list (a parallel branch is one step of it). */
  end?: number;
  /** Set on a repeat body: the loop this list is an iteration of. */
  repeat?: RepeatLoop;
}

export interface RepeatLoop {
  /** Path of the repeat step. */
  path: string;
  /** The iteration running, from 1. */
  index: number;
  /** Iterations in all, known for `count` and `for_each`. */
  total?: number;
  /** `for_each` items rendered from a template (a literal list is read from the definition). */
  items?: unknown[];
}

export interface ParallelFrame {
  parallel: {
    /** Path of the parallel step. */
    path: string;
    /** Branch `i` runs the step `<path>.parallel[i]`; null once it is done. */
    branches: Array<StepCursor | null>;
  };
}

export type Step = Record<string, unknown>;

/**
 * What the cursor points at: a step to execute, the end of a repeat body (the loop decides
 * whether to iterate again: that may read entity state, so it is the executor's job) or a
 * parallel step with branches left.
 */
export type CursorPosition =
  | { at: 'step'; step: Step; path: string; cursor: StepCursor }
  | { at: 'loop-end'; step: Step; path: string; loop: RepeatLoop; cursor: StepCursor }
  | { at: 'parallel'; step: Step; path: string; branches: Array<StepCursor | null>; cursor: StepCursor };

/** The cursor of a run that has not executed anything yet. */
export const startCursor = (): StepCursor => ({ frames: [{ list: 'actions', index: 0 }] });

/** The value at a path like `actions[2].choose[0].sequence` inside `root` (iteration marks ignored). */
export function atPath(root: unknown, path: string): unknown {
  let value: unknown = root;
  for (const token of path.replace(/#\d+/g, '').match(/[^.[\]]+/g) ?? []) {
    if (value === null || typeof value !== 'object') return undefined;
    value = /^\d+$/.test(token) ? (value as unknown[])[Number(token)] : (value as Record<string, unknown>)[token];
  }
  return value;
}

/**
 * The position of the cursor after leaving every finished list and every parallel step whose
 * branches are all done; null when the program is done. A finished repeat body is not left here
 * (its loop decides): it is a `loop-end` position. Returns the normalised cursor too.
 */
export function currentStep(definition: unknown, cursor: StepCursor): CursorPosition | null {
  const frames = cursor.frames.map((frame) => ({ ...frame }));
  while (frames.length > 0) {
    const top = frames[frames.length - 1]!;
    if ('parallel' in top) {
      const { path, branches } = top.parallel;
      if (branches.some((branch) => branch !== null)) return { at: 'parallel', step: atPath(definition, path) as Step, path, branches, cursor: { frames } };
    } else {
      const list = atPath(definition, top.list);
      const end = Array.isArray(list) ? Math.min(list.length, top.end ?? list.length) : 0;
      if (Array.isArray(list) && top.index < end) return { at: 'step', step: list[top.index] as Step, path: `${top.list}[${top.index}]`, cursor: { frames } };
      if (top.repeat) return { at: 'loop-end', step: atPath(definition, top.repeat.path) as Step, path: top.repeat.path, loop: top.repeat, cursor: { frames } };
    }
    frames.pop();
  }
  return null;
}

/** The cursor after the current step, optionally entering a nested list (by path) or frame of that step first. */
export function nextCursor(cursor: StepCursor, enter?: string | CursorFrame): StepCursor {
  const frames = cursor.frames.map((frame) => ({ ...frame }));
  const top = frames[frames.length - 1];
  if (top && 'list' in top) top.index += 1;
  if (enter !== undefined) frames.push(typeof enter === 'string' ? { list: enter, index: 0 } : enter);
  return { frames };
}

/** The innermost repeat loop the cursor is in (the scope's `repeat`), if any. */
export function innermostLoop(cursor: StepCursor | null): RepeatLoop | undefined {
  for (const frame of [...(cursor?.frames ?? [])].reverse()) {
    if ('list' in frame && frame.repeat) return frame.repeat;
  }
  return undefined;
}
