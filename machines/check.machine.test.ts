import { describe, expect, it } from 'vitest';
import { checkDefinition, checkEventSchema, checkMachine } from './check.machine.ts';
import { send as step, start } from './test-support.ts';

const create = checkEventSchema.parse({ type: 'create', systemId: 'shop', strategy: { kind: 'http', url: 'http://shop.test/health' }, satelliteIds: ['sat-1'] });

describe('check machine', () => {
  it('is created with defaults filled in, updated, and deleted (final)', () => {
    let snapshot = start(checkMachine, 'chk');
    expect(checkDefinition.toState(snapshot)).toBeNull();
    expect(snapshot.can({ type: 'update', at: 1 })).toBe(false);
    snapshot = step(checkMachine, snapshot, { ...create, at: 10 });
    expect(checkDefinition.toState(snapshot)).toEqual({
      id: 'chk',
      systemId: 'shop',
      // expectedStatus has no stored default (the agent takes 200–299); checks stored with 200 keep it.
      strategy: { kind: 'http', url: 'http://shop.test/health', method: 'GET', timeoutMs: 10_000 },
      intervalMs: 60_000,
      satelliteIds: ['sat-1'],
    });
    snapshot = step(checkMachine, snapshot, { type: 'update', satelliteIds: ['sat-1', 'sat-2'], at: 20 });
    expect(checkDefinition.toState(snapshot)).toMatchObject({ satelliteIds: ['sat-1', 'sat-2'] });
    expect(snapshot.can({ ...create, at: 21 })).toBe(false);
    snapshot = step(checkMachine, snapshot, { type: 'delete', at: 30 });
    expect(snapshot.status).toBe('done');
    expect(checkDefinition.toState(snapshot)).toBeNull();
  });

  it('refuses strategies that cannot run', () => {
    expect(checkEventSchema.safeParse({ ...create, strategy: { kind: 'http', url: 'ftp://x' } }).success).toBe(false);
    expect(checkEventSchema.safeParse({ ...create, strategy: { kind: 'tcp', host: 'db', port: 0 } }).success).toBe(false);
    expect(checkEventSchema.safeParse({ ...create, intervalMs: 10 }).success).toBe(false);
  });
});
