/**
 * Where a run is in its program. The program is the definition's `actions`; control steps
 * (`sequence`, `choose`) enter nested step lists. The cursor is a stack of frames, each a step
 * list (named by its path in the definition, e.g. `actions[2].choose[0].sequence`) and the index
 * of the next step in it. It is plain JSON: it is stored with the run after every step.
 */
export interface StepCursor {
  frames: Array<{ list: string; index: number }>;
}

export type Step = Record<string, unknown>;

/** The cursor of a run that has not executed anything yet. */
export const startCursor = (): StepCursor => ({ frames: [{ list: 'actions', index: 0 }] });

/** The value at a path like `actions[2].choose[0].sequence` inside `root`. */
export function atPath(root: unknown, path: string): unknown {
  let value: unknown = root;
  for (const token of path.match(/[^.[\]]+/g) ?? []) {
    if (value === null || typeof value !== 'object') return undefined;
    value = /^\d+$/.test(token) ? (value as unknown[])[Number(token)] : (value as Record<string, unknown>)[token];
  }
  return value;
}

/**
 * The step the cursor points at and its path, after leaving every finished list; null when the
 * program is done. Returns the normalised cursor too (finished frames popped).
 */
export function currentStep(definition: unknown, cursor: StepCursor): { step: Step; path: string; cursor: StepCursor } | null {
  const frames = cursor.frames.map((frame) => ({ ...frame }));
  while (frames.length > 0) {
    const top = frames[frames.length - 1]!;
    const list = atPath(definition, top.list);
    if (Array.isArray(list) && top.index < list.length) {
      return { step: list[top.index] as Step, path: `${top.list}[${top.index}]`, cursor: { frames } };
    }
    frames.pop();
  }
  return null;
}

/** The cursor after the current step, optionally entering a nested list of that step first. */
export function nextCursor(cursor: StepCursor, enter?: string): StepCursor {
  const frames = cursor.frames.map((frame) => ({ ...frame }));
  frames[frames.length - 1]!.index += 1;
  if (enter) frames.push({ list: enter, index: 0 });
  return { frames };
}
