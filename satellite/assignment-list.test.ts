import { describe, expect, it } from 'vitest';
import { gatewayMessageSchema } from '../protocol/satellite-protocol.ts';
import { readAssignmentsOneByOne } from './assignment-list.ts';

describe('assignment lists', () => {
  it('an agent runs the assignments it can read, and reports the others, when a newer node sends a kind it does not know', () => {
    const frame = { type: 'assignments_updated', assignments: [{ checkId: 'a', systemId: 'shop', strategy: { kind: 'tcp', host: 'db', port: 5432, timeoutMs: 1000 }, intervalMs: 1000 }, { checkId: 'b', systemId: 'shop', strategy: { kind: 'smtp', host: 'mx' }, intervalMs: 1000 }] };
    expect(gatewayMessageSchema.safeParse(frame).success).toBe(false);
    const list = readAssignmentsOneByOne(frame)!;
    expect(list.assignments.map((assignment) => assignment.checkId)).toEqual(['a']);
    expect(list.unreadable).toEqual([{ checkId: 'b', message: expect.stringMatching(/^this agent cannot run this check \(upgrade it\?\): strategy\.kind: /) }]);
    expect(readAssignmentsOneByOne({ type: 'results_acked' })).toBeNull();
  });
});
