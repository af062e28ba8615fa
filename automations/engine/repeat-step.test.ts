import { describe, expect, it } from 'vitest';
import { InMemoryStateReader } from '../conditions/test-support.ts';
import { RunHarness, tracePaths } from './test-support.ts';

const record = (value: unknown) => ({ action: 'test.record', config: { value } });

/** A reader with `system sys-1` whose `load` each `test.record` call raises by one. */
function risingLoad(): { reader: InMemoryStateReader; onCall: () => void } {
  const reader = new InMemoryStateReader().set('system', 'sys-1', { state: { load: 0 } });
  let load = 0;
  return { reader, onCall: () => void reader.set('system', 'sys-1', { state: { load: ++load } }) };
}

describe('repeat: count', () => {
  it('runs the body count times with repeat.index, first and last; every iteration has its own paths and idempotency keys', async () => {
    const harness = new RunHarness({ actions: [{ repeat: { count: 3, sequence: [record('{{ repeat.index }} {{ repeat.first }} {{ repeat.last }}')] } }, record('after')] });
    const entered = await harness.step();
    expect(entered.steps[0]).toMatchObject({ path: 'actions[0]', kind: 'repeat', status: 'succeeded', output: { iteration: 1 } });
    expect(entered.cursor).toEqual({ frames: [{ list: 'actions', index: 1 }, { list: 'actions[0].repeat#1.sequence', index: 0, repeat: { path: 'actions[0]', index: 1, total: 3 } }] });

    const rest = await harness.runUntilSettled();
    expect(harness.run.status).toBe('succeeded');
    expect(harness.values()).toEqual(['1 true false', '2 false false', '3 false true', 'after']);
    expect(harness.calls.map((call) => call.idempotencyKey)).toEqual([
      'auto-1:r1:actions[0].repeat#1.sequence[0]',
      'auto-1:r1:actions[0].repeat#2.sequence[0]',
      'auto-1:r1:actions[0].repeat#3.sequence[0]',
      'auto-1:r1:actions[1]',
    ]);
    expect(rest.flatMap(tracePaths)).toEqual([
      'actions[0].repeat#1.sequence[0]',
      'actions[0]',
      'actions[0].repeat#2.sequence[0]',
      'actions[0]',
      'actions[0].repeat#3.sequence[0]',
      'actions[0]',
      'actions[1]',
    ]);
    expect(rest.flatMap((advance) => advance.steps.filter((trace) => trace.kind === 'repeat').map((trace) => trace.output))).toEqual([{ iteration: 2 }, { iteration: 3 }, { iterations: 3 }]);
  });

  it('takes the count from a template; a count of 0 skips the body', async () => {
    const harness = new RunHarness({ actions: [{ variables: { n: 2 } }, { repeat: { count: '{{ variables.n }}', sequence: [record('{{ repeat.index }}')] } }, { repeat: { count: 0, sequence: [record('never')] } }] });
    await harness.runUntilSettled();
    expect(harness.run.status).toBe('succeeded');
    expect(harness.values()).toEqual([1, 2]);
    expect(harness.run.steps.at(-1)).toMatchObject({ path: 'actions[2]', kind: 'repeat', output: { iterations: 0 } });
  });

  it('a count template that fails or renders to something else than a whole number fails the step', async () => {
    const missing = new RunHarness({ actions: [{ repeat: { count: '{{ variables.nope.n }}', sequence: [record('x')] } }] });
    await missing.runUntilSettled();
    expect(missing.run).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^actions\[0\]: .*nope/) });

    const text = new RunHarness({ actions: [{ repeat: { count: '{{ "many" }}', sequence: [record('x')] } }] });
    await text.runUntilSettled();
    expect(text.run).toMatchObject({ status: 'failed', reason: 'actions[0]: count must be a whole number of 0 or more, got string "many"' });

    const tooMany = new RunHarness({ actions: [{ repeat: { count: '{{ 50 }}', max_iterations: 10, sequence: [record('x')] } }] });
    await tooMany.runUntilSettled();
    expect(tooMany.run).toMatchObject({ status: 'failed', reason: 'actions[0]: count 50 is above max_iterations 10' });
    expect([missing, text, tooMany].flatMap((harness) => harness.calls)).toEqual([]);
  });
});

describe('repeat: for_each', () => {
  it('iterates over a list rendered from a template, kept in the cursor; repeat.item is each element', async () => {
    const harness = new RunHarness({
      actions: [
        { variables: { systems: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] } },
        { repeat: { for_each: '{{ variables.systems }}', sequence: [record('{{ repeat.item.id }}{{ repeat.index }}{{ repeat.last ? "!" : "" }}')] } },
      ],
    });
    await harness.step();
    await harness.step();
    await harness.step();
    expect(harness.run.cursor).toMatchObject({ frames: [{}, { repeat: { path: 'actions[1]', index: 1, total: 3, items: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] } }] });
    await harness.runUntilSettled();
    expect(harness.values()).toEqual(['a1', 'b2', 'c3!']);
    expect(harness.run.status).toBe('succeeded');
  });

  it('reads a literal list from the definition (not copied into the cursor)', async () => {
    const harness = new RunHarness({ actions: [{ repeat: { for_each: ['x', 'y'], sequence: [record('{{ repeat.item }}')] } }] });
    await harness.step();
    expect(harness.run.cursor).toEqual({ frames: [{ list: 'actions', index: 1 }, { list: 'actions[0].repeat#1.sequence', index: 0, repeat: { path: 'actions[0]', index: 1, total: 2 } }] });
    await harness.runUntilSettled();
    expect(harness.values()).toEqual(['x', 'y']);
  });

  it('fails the step when the template renders to something else than a list', async () => {
    const harness = new RunHarness({ actions: [{ repeat: { for_each: '{{ "abc" }}', sequence: [record('x')] } }] });
    await harness.runUntilSettled();
    expect(harness.run).toMatchObject({ status: 'failed', reason: 'actions[0]: for_each must render to a list, got string "abc"' });
  });
});

describe('repeat: while and until', () => {
  it('while is checked before each iteration against fresh state', async () => {
    const { reader, onCall } = risingLoad();
    const harness = new RunHarness({ actions: [{ repeat: { while: ['state.system["sys-1"].load < 3'], sequence: [record('{{ repeat.index }}')] } }] }, { reader, onCall });
    await harness.runUntilSettled();
    expect(harness.run.status).toBe('succeeded');
    expect(harness.values()).toEqual([1, 2, 3]);
    const decisions = harness.run.steps.filter((trace) => trace.kind === 'repeat');
    expect(decisions.map((trace) => (trace.output as Record<string, unknown>).iteration ?? `done after ${(trace.output as Record<string, unknown>).iterations}`)).toEqual([1, 2, 3, 'done after 3']);
    expect(decisions[3]!.output).toMatchObject({ conditions: [{ path: 'actions[0].repeat.while[0]', result: false }] });
  });

  it('while that does not hold at first runs no iteration; it sees the coming iteration as repeat.index', async () => {
    const none = new RunHarness({ actions: [{ repeat: { while: ['false'], sequence: [record('x')] } }] });
    await none.runUntilSettled();
    expect(none.values()).toEqual([]);
    expect(none.run.status).toBe('succeeded');

    const indexed = new RunHarness({ actions: [{ repeat: { while: ['repeat.index <= 2'], sequence: [record('{{ repeat.index }}')] } }] });
    await indexed.runUntilSettled();
    expect(indexed.values()).toEqual([1, 2]);
  });

  it('until is checked after each iteration (the body runs at least once), seeing the finished iteration', async () => {
    const { reader, onCall } = risingLoad();
    const harness = new RunHarness({ actions: [{ repeat: { until: ['state.system["sys-1"].load >= 2 && repeat.index == 2'], sequence: [record('{{ repeat.index }}')] } }] }, { reader, onCall });
    await harness.runUntilSettled();
    expect(harness.run.status).toBe('succeeded');
    expect(harness.values()).toEqual([1, 2]);
    expect(harness.run.steps.at(-1)).toMatchObject({ path: 'actions[0]', kind: 'repeat', output: { iterations: 2 } });
  });

  it('fails the step when while still holds after max_iterations', async () => {
    const harness = new RunHarness({ actions: [{ repeat: { while: ['true'], max_iterations: 3, sequence: [record('{{ repeat.index }}')] } }, record('never')] });
    await harness.runUntilSettled();
    expect(harness.values()).toEqual([1, 2, 3]);
    expect(harness.run).toMatchObject({ status: 'failed', reason: 'actions[0]: `while` still held after max_iterations (3) iterations' });
    expect(harness.run.steps.at(-1)).toMatchObject({ path: 'actions[0]', kind: 'repeat', status: 'failed' });
  });

  it('fails the step when until has not held after max_iterations (default 100)', async () => {
    const harness = new RunHarness({ actions: [{ repeat: { until: ['false'], sequence: [record('{{ repeat.index }}')] } }] });
    await harness.runUntilSettled();
    expect(harness.values()).toHaveLength(100);
    expect(harness.run).toMatchObject({ status: 'failed', reason: 'actions[0]: `until` did not hold after max_iterations (100) iterations' });
  });

  it('a while or until condition that cannot be evaluated fails the step instead of ending or spinning the loop', async () => {
    const harness = new RunHarness({ actions: [{ repeat: { until: ['variables.nope > 1'], sequence: [record('x')] } }] });
    await harness.runUntilSettled();
    expect(harness.values()).toEqual(['x']);
    expect(harness.run).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^actions\[0\]: `until` condition actions\[0\]\.repeat\.until\[0\] could not be evaluated: /) });
  });
});

describe('repeat: nesting, delays and other steps', () => {
  it('a nested repeat sees its own repeat; the outer one is back after it', async () => {
    const harness = new RunHarness({
      actions: [
        {
          repeat: {
            count: 2,
            sequence: [{ repeat: { for_each: ['x', 'y'], sequence: [record('{{ repeat.index }}{{ repeat.item }}')] } }, record('outer {{ repeat.index }}')],
          },
        },
      ],
    });
    await harness.runUntilSettled();
    expect(harness.run.status).toBe('succeeded');
    expect(harness.values()).toEqual(['1x', '2y', 'outer 1', '1x', '2y', 'outer 2']);
    expect(harness.calls.map((call) => call.idempotencyKey.slice('auto-1:r1:'.length))).toEqual([
      'actions[0].repeat#1.sequence[0].repeat#1.sequence[0]',
      'actions[0].repeat#1.sequence[0].repeat#2.sequence[0]',
      'actions[0].repeat#1.sequence[1]',
      'actions[0].repeat#2.sequence[0].repeat#1.sequence[0]',
      'actions[0].repeat#2.sequence[0].repeat#2.sequence[0]',
      'actions[0].repeat#2.sequence[1]',
    ]);
  });

  it('a delay in the body makes the run wait; the loop continues from the stored cursor on a fresh executor', async () => {
    const harness = new RunHarness({ actions: [{ repeat: { count: 2, sequence: [{ delay: '1m' }, record('{{ repeat.index }}')] } }, record('after')] });
    await harness.runUntilSettled();
    expect(harness.run).toMatchObject({ status: 'waiting', wakeAt: harness.now + 60_000 });
    expect(harness.run.steps.at(-1)).toMatchObject({ path: 'actions[0].repeat#1.sequence[0]', kind: 'delay' });
    expect(harness.run.cursor).toEqual({ frames: [{ list: 'actions', index: 1 }, { list: 'actions[0].repeat#1.sequence', index: 1, repeat: { path: 'actions[0]', index: 1, total: 2 } }] });

    harness.restart();
    harness.wake();
    await harness.runUntilSettled();
    expect(harness.run.status).toBe('waiting');
    expect(harness.values()).toEqual([1]);
    expect(harness.run.steps.at(-1)).toMatchObject({ path: 'actions[0].repeat#2.sequence[0]', kind: 'delay' });

    harness.restart();
    harness.wake();
    await harness.runUntilSettled();
    expect(harness.run.status).toBe('succeeded');
    expect(harness.values()).toEqual([1, 2, 'after']);
  });

  it('choose and variables inside the body work per iteration; a stop step ends the run from inside the loop', async () => {
    const harness = new RunHarness({
      actions: [
        {
          repeat: {
            count: 5,
            sequence: [
              { variables: { last: '{{ repeat.index }}' } },
              { choose: [{ when: ['repeat.index == 3'], sequence: [{ stop: 'third' }] }], else: [record('{{ variables.last }}')] },
            ],
          },
        },
      ],
    });
    await harness.runUntilSettled();
    expect(harness.values()).toEqual([1, 2]);
    expect(harness.run).toMatchObject({ status: 'stopped', reason: 'third', variables: { last: 3 } });
    expect(harness.run.steps.at(-1)!.path).toBe('actions[0].repeat#3.sequence[1].choose[0].sequence[0]');
  });

  it('a disabled repeat is skipped', async () => {
    const harness = new RunHarness({ actions: [{ repeat: { count: 2, sequence: [record('x')] }, enabled: false }] });
    await harness.runUntilSettled();
    expect(harness.values()).toEqual([]);
    expect(harness.run.steps).toMatchObject([{ path: 'actions[0]', kind: 'repeat', status: 'skipped' }]);
  });
});
