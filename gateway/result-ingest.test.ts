import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../test/support/stream-reader.ts';
import type { CheckHistoryRecord, RecordOutcome } from '../history/index.ts';
import { ResultIngest, type IncomingResult } from './result-ingest.ts';
import type { ResultRefusalReason } from './satellite-traffic.ts';

const result = (n: number): IncomingResult => ({
  satelliteId: 'sat-1', resultId: `r${n}`, checkId: `c${n}`, systemId: 'sys', success: n % 2 === 0, executedAt: 1_000 + n, detail: n % 2 ? 'HTTP 500' : '', latencyMs: 12,
});

/** A deferred promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** A ResultIngest whose health commits and history writes the test settles itself. */
function harness() {
  const acked: string[] = [];
  const refused: ResultRefusalReason[] = [];
  const commits: Array<ReturnType<typeof deferred<null>>> = [];
  const writes: Array<{ results: readonly CheckHistoryRecord[]; done: ReturnType<typeof deferred<RecordOutcome>> }> = [];
  const ingest = new ResultIngest({
    dispatch: () => {
      const commit = deferred<null>();
      commits.push(commit);
      return commit.promise;
    },
    acknowledge: (_satellite, ids) => acked.push(...ids),
    history: {
      record: (results) => {
        const done = deferred<RecordOutcome>();
        writes.push({ results, done });
        return done.promise;
      },
    },
    actor: 'node:test',
    log: pino({ level: 'silent' }),
    maxAttempts: 2,
    traffic: { resultsIngested: () => undefined, resultRefused: (reason) => refused.push(reason) },
  });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { ingest, acked, refused, commits, writes, settle };
}

describe('result ingest backlog bound', () => {
  it('is full at its bound, counts what it sheds as BACKLOG_FULL, and takes results again once commits drain it', async () => {
    const refused: ResultRefusalReason[] = [];
    const commits: Array<ReturnType<typeof deferred<null>>> = [];
    const ingest = new ResultIngest({
      dispatch: () => {
        const commit = deferred<null>();
        commits.push(commit);
        return commit.promise;
      },
      acknowledge: () => undefined,
      actor: 'node:test',
      log: pino({ level: 'silent' }),
      maxPending: 2,
      traffic: { resultsIngested: () => undefined, resultRefused: (reason) => refused.push(reason) },
    });
    expect(ingest.add(result(1))).toBe(true);
    expect(ingest.full).toBe(false);
    expect(ingest.add({ ...result(2), systemId: 'other' })).toBe(true);
    expect(ingest.full).toBe(true);
    expect(ingest.add(result(3))).toBe(false);
    ingest.shed();
    expect(refused).toEqual(['BACKLOG_FULL', 'BACKLOG_FULL']);
    await waitFor(() => commits.length === 2 || undefined, 5_000, 'both systems committing');
    for (const commit of commits) commit.resolve(null);
    await waitFor(() => !ingest.full || undefined, 5_000, 'drained');
    expect(ingest.add(result(4))).toBe(true);
  });
});

describe('result ingest with the check history', () => {
  it('records each result with its satellite as source and acknowledges it only once health and history both committed', async () => {
    const { ingest, acked, commits, writes, settle } = harness();
    ingest.add(result(1));
    ingest.add(result(2));
    await settle();
    expect(writes).toHaveLength(1);
    expect(writes[0]!.results).toEqual([
      expect.objectContaining({ checkId: 'c1', source: 'sat-1', success: false, detail: 'HTTP 500', latencyMs: 12, executedAt: 1_001 }),
      expect.objectContaining({ checkId: 'c2', source: 'sat-1', success: true }),
    ]);
    commits[0]!.resolve(null);
    await settle();
    expect(acked).toEqual([]); // health committed, history not yet
    writes[0]!.done.resolve({ stored: 2, duplicates: 0, skipped: 0 });
    await settle();
    expect(acked).toEqual(['r1', 'r2']);
  });

  it('leaves results unacknowledged (sent again later) when history fails, and does not record a retried health batch twice', async () => {
    const { ingest, acked, refused, commits, writes, settle } = harness();
    ingest.add(result(3));
    await settle();
    commits[0]!.reject(new Error('database away'));
    // The health batch is retried after a back-off; its history write is the one under way.
    await waitFor(() => commits.length === 2, 5_000, 'the health batch retried');
    expect(writes).toHaveLength(1);
    writes[0]!.done.reject(new Error('history failed'));
    commits[1]!.resolve(null);
    await settle();
    await settle();
    expect(acked).toEqual([]);
    expect(refused).toEqual(['HISTORY_FAILED']);
  });
});
