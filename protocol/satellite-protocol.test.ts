import { describe, expect, it } from 'vitest';
import { satelliteMessageSchema } from './satellite-protocol.ts';

const result = (fields: Record<string, unknown>) => ({
  type: 'result',
  resultId: 'r1',
  checkId: 'home',
  systemId: 'shop',
  status: 'down',
  latencyMs: 5,
  executedAt: 1_000,
  ...fields,
});

describe('satellite frames', () => {
  it.each([
    ['\u0000', 'U+0000'],
    ['\ud800', 'U+D800, a lone surrogate'],
    ['\udc00', 'U+DC00, a lone surrogate'],
  ])('refuses %j in any text of a frame, naming the field', (character, name) => {
    const issues = (frame: unknown) => satelliteMessageSchema.safeParse(frame).error?.issues.map((issue) => [issue.path.join('.'), issue.message]);
    const message = `contains a character PostgreSQL cannot store (${name})`;
    expect(issues(result({ detail: `timeout${character}` }))).toEqual([['detail', message]]);
    expect(issues({ type: 'heartbeat', agentVersion: `1.0${character}`, uptimeSeconds: 1 })).toEqual([['agentVersion', message]]);
    expect(issues({ type: 'check_error', checkId: 'home', message: character })).toEqual([['message', message]]);
  });

  it('accepts astral characters (paired surrogates)', () => {
    expect(satelliteMessageSchema.parse(result({ detail: 'down \u{1F525} \ud83d\ude80' }))).toMatchObject({ detail: 'down \u{1F525} \u{1F680}' });
  });
});
