import { pino } from 'pino';
import type { us_listen_socket } from 'uWebSockets.js';
import uWS from './uws.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../node/index.ts';
import { HttpListenError } from './errors.ts';
import { listenExclusive, listenWithRetry } from './listen-exclusive.ts';
import type { PortHolder } from './port-holders.ts';

const log = pino({ level: 'silent' });
const sockets: us_listen_socket[] = [];

afterEach(() => {
  for (const socket of sockets.splice(0)) uWS.us_listen_socket_close(socket);
});

/** Runs the retry policy against scripted listen results and port holders. */
async function scripted(results: boolean[], holders: PortHolder[][], retryForMs = 60_000) {
  let attempts = 0;
  const warnings: unknown[] = [];
  const recordingLog = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line)) });
  const outcome = await listenWithRetry({
    host: '127.0.0.1',
    port: 8080,
    log: recordingLog,
    retryForMs,
    pauseMs: 1,
    attempt: async () => (results[attempts++] ? 'socket' : undefined),
    holders: () => holders[Math.min(attempts - 1, holders.length - 1)],
  }).catch((error: unknown) => error);
  return { outcome, attempts, warnings };
}

describe('listenWithRetry', () => {
  it('fails at once, naming the process, when a live socket listens on the port', async () => {
    const { outcome, attempts } = await scripted([false, true], [[{ state: 'LISTEN', pid: 4242, command: 'node bin/vigil.js start' }, { state: 'TIME_WAIT' }]]);
    expect(attempts).toBe(1);
    expect(outcome).toBeInstanceOf(HttpListenError);
    expect((outcome as HttpListenError).code).toBe('HTTP_LISTEN_FAILED');
    expect((outcome as Error).message).toContain('pid 4242 (node bin/vigil.js start) listens on port 8080');
  });

  it('waits, logging, while only closing connections hold the port, and listens once they are gone', async () => {
    const { outcome, attempts, warnings } = await scripted([false, false, false, true], [[{ state: 'TIME_WAIT' }], [{ state: 'TIME_WAIT' }], [{ state: 'FIN_WAIT2' }]]);
    expect(outcome).toBe('socket');
    expect(attempts).toBe(4);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ port: 8080, states: ['TIME_WAIT'], msg: expect.stringContaining('cannot listen yet') });
  });

  it('gives up after the retry time, and fails at once when nothing holds the port', async () => {
    const stuck = await scripted(Array(1000).fill(false), [[{ state: 'TIME_WAIT' }]], 20);
    expect((stuck.outcome as Error).message).toMatch(/still held by closing connections \(TIME_WAIT\)/);
    const refused = await scripted([false, true], [[]]);
    expect(refused.attempts).toBe(1);
    expect((refused.outcome as Error).message).toContain('the port is free');
  });
});

describe('listenExclusive (uWebSockets.js)', () => {
  it('refuses a second listener on a port a live one holds (no silent SO_REUSEPORT sharing)', async () => {
    const port = await freePort();
    sockets.push(await listenExclusive(uWS.App(), { host: '127.0.0.1', port, log }));
    const second = await listenExclusive(uWS.App(), { host: '127.0.0.1', port, log }).catch((error: unknown) => error);
    expect(second).toBeInstanceOf(HttpListenError);
    // /proc names this very process as the listener (Linux).
    expect((second as Error).message).toContain(`pid ${process.pid}`);
  });

  it('listens again on the port at once after the previous listener closed with connections open', async () => {
    const port = await freePort();
    const app = uWS.App().get('/*', (res) => void res.end('ok'));
    const first = await listenExclusive(app, { host: '127.0.0.1', port, log });
    // Keep-alive connections, then close the listener: their server side ends in TIME_WAIT/FIN_WAIT.
    const agents = await Promise.all(Array.from({ length: 5 }, () => fetch(`http://127.0.0.1:${port}/`).then((response) => response.text())));
    expect(agents).toEqual(Array(5).fill('ok'));
    uWS.us_listen_socket_close(first);
    sockets.push(await listenExclusive(uWS.App(), { host: '127.0.0.1', port, log, retryForMs: 0 }));
  });
});
