import type { ResultRefusal, ResultRefusalCode } from '../protocol/satellite-protocol.ts';

/** How far a result's `executedAt` may be from the node's clock. */
export interface ResultTimeLimits {
  /** A result executed more than this far ahead of the node's clock is refused, ms. */
  maxClockAheadMs: number;
  /** A result executed longer ago than this is refused, ms; 0: no limit. */
  maxAgeMs: number;
}

/** The checks a satellite may report: checkId → the check's systemId. */
export type AssignedChecks = ReadonlyMap<string, string>;

/** The checks of a list of assignments, as `AssignedChecks`. */
export function assignedChecksOf(assignments: ReadonlyArray<{ checkId: string; systemId: string }>): Map<string, string> {
  return new Map(assignments.map((assignment) => [assignment.checkId, assignment.systemId]));
}

/**
 * Whether a satellite may report this result: the check must be assigned to it, with the same
 * system, and `executedAt` within the time limits around `now` (the node's clock). Resolves null
 * when admitted, else the refusal to send back. Pure and O(1): no I/O per result.
 */
export function admitResult(
  result: { resultId: string; checkId: string; systemId: string; executedAt: number },
  assigned: AssignedChecks,
  limits: ResultTimeLimits,
  now: number,
): ResultRefusal | null {
  const refuse = (code: ResultRefusalCode, message: string): ResultRefusal => ({ resultId: result.resultId, code, message });
  const systemId = assigned.get(result.checkId);
  if (systemId === undefined) return refuse('CHECK_NOT_ASSIGNED', `check ${result.checkId} is not assigned to this satellite`);
  if (systemId !== result.systemId) return refuse('SYSTEM_MISMATCH', `check ${result.checkId} belongs to system ${systemId}, not ${result.systemId}`);
  const ahead = result.executedAt - now;
  if (ahead > limits.maxClockAheadMs) {
    return refuse('EXECUTED_IN_FUTURE', `executedAt is ${ahead} ms ahead of the node's clock (at most ${limits.maxClockAheadMs} ms allowed): check the satellite's clock`);
  }
  if (limits.maxAgeMs > 0 && -ahead > limits.maxAgeMs) {
    return refuse('EXECUTED_TOO_LONG_AGO', `executedAt is ${-ahead} ms in the past (at most ${limits.maxAgeMs} ms accepted)`);
  }
  return null;
}

/** How the reference agent (satellite/result-frame.ts, `JSON.stringify`) begins every result frame. */
const RESULT_FRAME_START = new TextEncoder().encode('{"type":"result",');

/**
 * True when a frame's bytes begin as the reference agent's result frames do: a node over its
 * backlog bound drops such frames without parsing them (it would refuse them once parsed anyway).
 * A frame written another way is parsed as usual.
 */
export function looksLikeResultFrame(data: ArrayBuffer): boolean {
  if (data.byteLength < RESULT_FRAME_START.length) return false;
  const bytes = new Uint8Array(data, 0, RESULT_FRAME_START.length);
  for (let index = 0; index < RESULT_FRAME_START.length; index++) if (bytes[index] !== RESULT_FRAME_START[index]) return false;
  return true;
}
