import { randomBytes } from 'node:crypto';
import type { Assignment } from '../protocol/satellite-protocol.ts';
import type { CheckOutcome } from './checks/run-check.ts';
import type { ResultMessage } from './result-outbox.ts';

/**
 * The `result` frame for one run of `assignment` started at `executedAt` (epoch ms): its outcome
 * with the error (on `down`), timings and measured values; `detail` repeats the error's message for
 * nodes that read only `detail`. `resultId` is unique per run.
 */
export function resultFrame(assignment: Assignment, outcome: CheckOutcome, executedAt: number): ResultMessage {
  return {
    type: 'result',
    resultId: `${assignment.checkId}:${executedAt}:${randomBytes(4).toString('hex')}`,
    checkId: assignment.checkId,
    systemId: assignment.systemId,
    status: outcome.status,
    latencyMs: outcome.latencyMs,
    detail: outcome.detail,
    executedAt,
    ...(outcome.error ? { error: outcome.error } : {}),
    timings: outcome.timings,
    measured: outcome.measured,
  };
}
