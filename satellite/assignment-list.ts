import { assignmentSchema, type Assignment } from '../protocol/satellite-protocol.ts';

export interface AssignmentList {
  /** The assignments this agent can run. */
  assignments: Assignment[];
  /** The others (a strategy kind or field this agent does not know), with why, for `check_error`. */
  unreadable: Array<{ checkId: string; message: string }>;
}

/**
 * The assignments of an `authenticated` or `assignments_updated` frame that failed validation as a
 * whole, read one by one: a check of a kind this agent version does not know (a newer node) must
 * not stop it from running the others. Null when the frame is not such a frame.
 */
export function readAssignmentsOneByOne(frame: unknown): AssignmentList | null {
  const candidate = frame as { type?: unknown; assignments?: unknown } | null;
  if (!candidate || (candidate.type !== 'authenticated' && candidate.type !== 'assignments_updated') || !Array.isArray(candidate.assignments)) return null;
  const list: AssignmentList = { assignments: [], unreadable: [] };
  for (const entry of candidate.assignments as unknown[]) {
    const parsed = assignmentSchema.safeParse(entry);
    if (parsed.success) {
      list.assignments.push(parsed.data);
      continue;
    }
    const checkId = (entry as { checkId?: unknown } | null)?.checkId;
    if (typeof checkId !== 'string' || checkId.length === 0) continue;
    const issue = parsed.error.issues[0]!;
    list.unreadable.push({ checkId: checkId.slice(0, 128), message: `this agent cannot run this check (upgrade it?): ${issue.path.join('.') || 'assignment'}: ${issue.message}`.slice(0, 2000) });
  }
  return list;
}
