import { evaluateConditions, type ConditionResult, type StateReader } from '../conditions/index.ts';
import type { Condition, RepeatOptions } from '../definition/index.ts';
import { renderDeep } from '../expressions/index.ts';
import { atPath, nextCursor, type CursorPosition, type ListFrame, type RepeatLoop, type Step, type StepCursor } from './step-cursor.ts';
import { truncateText } from '../../protocol/storable-text.ts';

/**
 * `repeat`: the loop lives in the cursor (a body frame carrying `RepeatLoop`), so it is stored
 * with the run after every step. Entering the step decides whether iteration 1 runs; the end of
 * each iteration is a position of its own (`loop-end`) where the loop decides whether to run the
 * next one. `while` is checked before each iteration (seeing the coming iteration's `repeat`),
 * `until` after each (seeing the finished one's). Every loop is bounded by `max_iterations`.
 *
 * A template that cannot be rendered throws `ExpressionError` (the executor fails the step);
 * a while/until condition that cannot be evaluated fails the step too, rather than ending the
 * loop or running it to its bound by accident.
 */

/** What the loop decided: the cursor to continue with and the trace output, or why the step fails. */
export type LoopDecision = { ok: true; cursor: StepCursor; output: Record<string, unknown> } | { ok: false; error: string; output?: Record<string, unknown> };

export interface LoopContext {
  definition: unknown;
  /** The run scope without the loop being decided (its `repeat` is the enclosing loop's, if any). */
  scope: Record<string, unknown>;
  reader: StateReader;
  /** Epoch ms. */
  now: number;
}

/** The `repeat` variable of templates and expressions in iteration `index` of `loop`. */
export function repeatVariables(definition: unknown, loop: RepeatLoop, index = loop.index): Record<string, unknown> {
  const items = loop.items ?? atPath(definition, `${loop.path}.repeat.for_each`);
  return {
    index,
    first: index === 1,
    ...(loop.total !== undefined ? { last: index === loop.total } : {}),
    ...(Array.isArray(items) ? { item: items[index - 1] } : {}),
  };
}

/** Executes the repeat step itself (at `path`, cursor pointing at it): iteration 1 or no iteration at all. */
export async function enterRepeat(step: Step, path: string, cursor: StepCursor, context: LoopContext): Promise<LoopDecision> {
  const options = step.repeat as RepeatOptions;
  const max = options.max_iterations;
  const start = (loop: Omit<RepeatLoop, 'path' | 'index'>): LoopDecision => ({ ok: true, cursor: nextCursor(cursor, bodyFrame({ path, index: 1, ...loop })), output: { iteration: 1 } });
  const none = (extra: Record<string, unknown> = {}): LoopDecision => ({ ok: true, cursor: nextCursor(cursor), output: { iterations: 0, ...extra } });

  if (options.count !== undefined) {
    const rendered = renderDeep(options.count, context.scope);
    const count = wholeNumber(rendered);
    if (count === undefined) return { ok: false, error: `count must be a whole number of 0 or more, got ${describe(rendered)}` };
    if (count > max) return { ok: false, error: `count ${count} is above max_iterations ${max}` };
    return count === 0 ? none() : start({ total: count });
  }
  if (options.for_each !== undefined) {
    const templated = typeof options.for_each === 'string';
    const items = templated ? renderDeep(options.for_each, context.scope) : options.for_each;
    if (!Array.isArray(items)) return { ok: false, error: `for_each must render to a list, got ${describe(items)}` };
    if (items.length > max) return { ok: false, error: `for_each has ${items.length} items, above max_iterations ${max}` };
    return items.length === 0 ? none() : start({ total: items.length, ...(templated ? { items } : {}) });
  }
  if (options.while) {
    const loop: RepeatLoop = { path, index: 1 };
    const result = await check(options.while, `${path}.repeat.while`, loop, context);
    if (!result.ok) return unlessBroken(result, 'while', () => none({ conditions: result.details }));
    return { ok: true, cursor: nextCursor(cursor, bodyFrame(loop)), output: { iteration: 1, conditions: result.details } };
  }
  return start({});
}

/** Decides at the end of an iteration: the next iteration, or leaving the loop. */
export async function endIteration(position: Extract<CursorPosition, { at: 'loop-end' }>, context: LoopContext): Promise<LoopDecision> {
  const { loop, step, cursor } = position;
  const options = step.repeat as RepeatOptions;
  const max = options.max_iterations;
  const done = loop.index;
  const again = (conditions?: ConditionResult): LoopDecision => ({
    ok: true,
    cursor: { frames: [...cursor.frames.slice(0, -1), bodyFrame({ ...loop, index: done + 1 })] },
    output: { iteration: done + 1, ...(conditions ? { conditions: conditions.details } : {}) },
  });
  const leave = (conditions?: ConditionResult): LoopDecision => ({
    ok: true,
    cursor: { frames: cursor.frames.slice(0, -1) },
    output: { iterations: done, ...(conditions ? { conditions: conditions.details } : {}) },
  });

  if (options.count !== undefined || options.for_each !== undefined) return done < (loop.total ?? 0) ? again() : leave();
  if (options.until) {
    const result = await check(options.until, `${loop.path}.repeat.until`, loop, context);
    if (result.ok) return leave(result);
    return unlessBroken(result, 'until', () =>
      done >= max ? { ok: false, error: `\`until\` did not hold after max_iterations (${max}) iterations`, output: { iterations: done, conditions: result.details } } : again(result),
    );
  }
  const coming: RepeatLoop = { ...loop, index: done + 1 };
  const result = await check(options.while ?? [], `${loop.path}.repeat.while`, coming, context);
  if (!result.ok) return unlessBroken(result, 'while', () => leave(result));
  if (done >= max) return { ok: false, error: `\`while\` still held after max_iterations (${max}) iterations`, output: { iterations: done, conditions: result.details } };
  return again(result);
}

function bodyFrame(loop: RepeatLoop): ListFrame {
  return { list: `${loop.path}.repeat#${loop.index}.sequence`, index: 0, repeat: loop };
}

async function check(conditions: Condition[], path: string, loop: RepeatLoop, context: LoopContext): Promise<ConditionResult> {
  const scope = { ...context.scope, repeat: repeatVariables(context.definition, loop) };
  return evaluateConditions(conditions, scope, context.reader, context.now, path);
}

/** A false result: the step fails when a condition could not be evaluated, else `otherwise`. */
function unlessBroken(result: ConditionResult, mode: 'while' | 'until', otherwise: () => LoopDecision): LoopDecision {
  const broken = result.details.find((detail) => detail.error !== undefined);
  if (broken) return { ok: false, error: `\`${mode}\` condition ${broken.path} could not be evaluated: ${broken.error}`, output: { conditions: result.details } };
  return otherwise();
}

function wholeNumber(value: unknown): number | undefined {
  const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number >= 0 ? number : undefined;
}

function describe(value: unknown): string {
  const type = value === null ? 'null' : Array.isArray(value) ? 'list' : typeof value;
  const text = JSON.stringify(value) ?? String(value);
  return `${type} ${text.length > 80 ? `${truncateText(text, 77)}...` : text}`;
}
