import { describe, expect, it } from 'vitest';
import { createJsonLogger } from './logger.ts';

describe('createJsonLogger', () => {
  it('writes one JSON object per line, and only lines at or above its level', () => {
    const lines: string[] = [];
    const log = createJsonLogger('info', (line) => lines.push(line));
    log('debug', 'not written');
    log('info', 'connected', { gateway: 'ws://a' });
    log('error', 'broken');
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      { level: 'info', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), msg: 'connected', gateway: 'ws://a' },
      { level: 'error', time: expect.any(String), msg: 'broken' },
    ]);
    const debugLines: string[] = [];
    createJsonLogger('debug', (line) => debugLines.push(line))('debug', 'check result');
    expect(debugLines).toHaveLength(1);
    const errorOnly: string[] = [];
    createJsonLogger('error', (line) => errorOnly.push(line))('warn', 'dropped');
    expect(errorOnly).toHaveLength(0);
  });
});
