import { describe, expect, it } from 'vitest';
import { RunHarness, tracePaths } from './test-support.ts';

const record = (value: unknown, extra: Record<string, unknown> = {}) => ({ action: 'test.record', config: { value, ...extra } });

describe('parallel', () => {
  it('runs the next step of every branch in one advance, concurrently; a sequence branch takes one advance per step', async () => {
    const harness = new RunHarness({
      actions: [{ parallel: [record('a'), { sequence: [record('b1'), record('b2'), record('b3')] }, record('c')] }, record('after')],
    });
    const entered = await harness.step();
    expect(entered.steps).toMatchObject([{ path: 'actions[0]', kind: 'parallel', status: 'succeeded', output: { branches: 3 } }]);
    expect(entered.cursor).toEqual({
      frames: [
        { list: 'actions', index: 1 },
        {
          parallel: {
            path: 'actions[0]',
            branches: [0, 1, 2].map((index) => ({ frames: [{ list: 'actions[0].parallel', index, end: index + 1 }] })),
          },
        },
      ],
    });

    const first = await harness.step();
    expect(tracePaths(first)).toEqual(['actions[0].parallel[0]', 'actions[0].parallel[1]', 'actions[0].parallel[2]']);
    expect(first.steps.map((trace) => trace.kind)).toEqual(['action', 'sequence', 'action']);
    // Both actions started before either ended.
    expect(harness.events).toEqual(['start a', 'start c', 'end a', 'end c']);
    expect(first.cursor).toEqual({
      frames: [
        { list: 'actions', index: 1 },
        { parallel: { path: 'actions[0]', branches: [null, { frames: [{ list: 'actions[0].parallel', index: 2, end: 2 }, { list: 'actions[0].parallel[1].sequence', index: 0 }] }, null] } },
      ],
    });

    const rest = await harness.runUntilSettled();
    expect(rest.map(tracePaths)).toEqual([['actions[0].parallel[1].sequence[0]'], ['actions[0].parallel[1].sequence[1]'], ['actions[0].parallel[1].sequence[2]'], ['actions[1]']]);
    expect(harness.run.status).toBe('succeeded');
    expect(harness.values()).toEqual(['a', 'c', 'b1', 'b2', 'b3', 'after']);
    expect(new Set(harness.calls.map((call) => call.idempotencyKey)).size).toBe(6);
  });

  it('a failing branch fails the run after the other branches finished their current step', async () => {
    const harness = new RunHarness({
      actions: [{ parallel: [{ sequence: [record('x1'), record('x2')] }, { action: 'test.fail', config: { message: 'nope' } }, record('y')] }, record('after')],
    });
    await harness.runUntilSettled();
    expect(harness.run).toMatchObject({ status: 'failed', reason: 'actions[0].parallel[1]: nope' });
    expect(harness.events).toEqual(['start y', 'end y']);
    expect(harness.values()).toEqual(['y']);
    expect(harness.advances.at(-1)!.steps).toMatchObject([
      { path: 'actions[0].parallel[0]', kind: 'sequence', status: 'succeeded' },
      { path: 'actions[0].parallel[1]', kind: 'action', status: 'failed', error: 'nope' },
      { path: 'actions[0].parallel[2]', kind: 'action', status: 'succeeded' },
    ]);
  });

  it('a failing branch step with continue_on_error lets the branches go on', async () => {
    const harness = new RunHarness({ actions: [{ parallel: [{ action: 'test.fail', config: {}, continue_on_error: true }, { sequence: [record('x1'), record('x2')] }] }, record('after')] });
    await harness.runUntilSettled();
    expect(harness.run.status).toBe('succeeded');
    expect(harness.values()).toEqual(['x1', 'x2', 'after']);
  });

  it('a transient failure of one branch retries the whole advance (after the others settled), with the same idempotency keys', async () => {
    const harness = new RunHarness({ actions: [{ parallel: [record('a'), { action: 'test.transient', config: {} }] }] });
    await harness.step();
    await expect(harness.step(1)).rejects.toThrow('network down');
    expect(harness.events).toEqual(['start a', 'end a']);
    await expect(harness.step(2)).rejects.toThrow('network down');
    const last = await harness.step(3);
    expect(last.steps).toMatchObject([{ path: 'actions[0].parallel[0]', attempts: 3 }, { path: 'actions[0].parallel[1]', status: 'failed', attempts: 3 }]);
    expect(new Set(harness.calls.filter((call) => call.action === 'test.record').map((call) => call.idempotencyKey))).toEqual(new Set(['auto-1:r1:actions[0].parallel[0]']));
    expect(harness.run.status).toBe('failed');
  });

  it('variables and artifacts set in branches are merged in branch order after each advance', async () => {
    const harness = new RunHarness({
      actions: [
        { variables: { shared: 'before', kept: 1 } },
        {
          parallel: [
            { variables: { shared: 'first', a: 'A' } },
            { sequence: [{ variables: { b: '{{ variables.shared }}' } }, { variables: { shared: 'second-later' } }] },
            { variables: { shared: 'third' } },
            record('r', { artifact: 'note' }),
          ],
        },
        record('{{ variables.shared }} {{ variables.a }} {{ variables.b }} {{ variables.kept }} {{ artifacts.note.value }}'),
      ],
    });
    await harness.step();
    await harness.step();
    await harness.step();
    expect(harness.run.variables).toEqual({ shared: 'third', kept: 1, a: 'A' });
    expect(harness.run.artifacts).toEqual({ note: { value: 'r' } });
    await harness.step();
    // Each branch step sees the variables as they were when the advance started.
    expect(harness.run.variables).toMatchObject({ b: 'third' });
    await harness.runUntilSettled();
    expect(harness.values().at(-1)).toBe('second-later A third 1 r');
  });

  it('a stop step in a branch ends the run as stopped', async () => {
    const harness = new RunHarness({ actions: [{ parallel: [{ stop: 'enough' }, { sequence: [record('x1'), record('x2')] }] }] });
    await harness.runUntilSettled();
    expect(harness.run).toMatchObject({ status: 'stopped', reason: 'enough' });
    expect(harness.values()).toEqual([]);
  });

  it('inside a repeat, branches see the loop and have per-iteration paths; a nested parallel runs within its branch', async () => {
    const harness = new RunHarness({
      actions: [{ repeat: { count: 2, sequence: [{ parallel: [record('a{{ repeat.index }}'), { parallel: [record('b{{ repeat.index }}'), record('c{{ repeat.index }}')] }] }] } }],
    });
    await harness.runUntilSettled();
    expect(harness.run.status).toBe('succeeded');
    expect(harness.values()).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'c2']);
    expect(harness.calls.map((call) => call.idempotencyKey.slice('auto-1:r1:'.length))).toEqual([
      'actions[0].repeat#1.sequence[0].parallel[0]',
      'actions[0].repeat#1.sequence[0].parallel[1].parallel[0]',
      'actions[0].repeat#1.sequence[0].parallel[1].parallel[1]',
      'actions[0].repeat#2.sequence[0].parallel[0]',
      'actions[0].repeat#2.sequence[0].parallel[1].parallel[0]',
      'actions[0].repeat#2.sequence[0].parallel[1].parallel[1]',
    ]);
  });

  it('a repeat inside a branch loops within its branch', async () => {
    const harness = new RunHarness({ actions: [{ parallel: [{ repeat: { count: 3, sequence: [record('r{{ repeat.index }}')] } }, { sequence: [record('s1'), record('s2')] }] }] });
    await harness.runUntilSettled();
    expect(harness.run.status).toBe('succeeded');
    expect([...harness.values()].sort()).toEqual(['r1', 'r2', 'r3', 's1', 's2']);
  });

  it('resumes from the stored cursor on a fresh executor', async () => {
    const harness = new RunHarness({ actions: [{ parallel: [{ sequence: [record('a1'), record('a2')] }, { sequence: [record('b1'), record('b2'), record('b3')] }] }] });
    await harness.step();
    await harness.step();
    await harness.step();
    expect(harness.values()).toEqual(['a1', 'b1']);
    harness.restart();
    await harness.runUntilSettled();
    expect(harness.values()).toEqual(['a1', 'b1', 'a2', 'b2', 'b3']);
    expect(harness.run.status).toBe('succeeded');
  });

  it('one advance carries at most 50 traces: beyond 50 branches the rest run in the next advance', async () => {
    const harness = new RunHarness({ actions: [{ parallel: Array.from({ length: 60 }, (_, index) => record(index)) }] });
    await harness.step();
    expect((await harness.step()).steps).toHaveLength(50);
    expect((await harness.step()).steps).toHaveLength(10);
    await harness.runUntilSettled();
    expect(harness.run.status).toBe('succeeded');
    expect(harness.values()).toHaveLength(60);
  });

  it('a delay met inside a branch anyway (saved before the check) fails the run instead of waiting', async () => {
    const harness = new RunHarness({ actions: [{ parallel: [{ delay: '1m' }, record('x')] }] });
    await harness.runUntilSettled();
    expect(harness.run).toMatchObject({ status: 'failed', reason: 'actions[0].parallel[0]: `delay` inside parallel is not supported by this version of Vigil yet' });
  });
});
