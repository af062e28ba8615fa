import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import uWS from './uws.ts';
import type { Logger } from 'pino';
import { HttpListenError } from './errors.ts';
import { portHolders, type PortHolder } from './port-holders.ts';

/**
 * How long a start waits for connections of an earlier process that still hold the port without
 * allowing address reuse (Linux keeps a closed connection in TIME_WAIT for 60 s).
 */
export const LISTEN_RETRY_MS = 75_000;

/** uWS's listen flag without SO_REUSEPORT (exported by the native module, absent from its typings). */
const LIBUS_LISTEN_EXCLUSIVE_PORT = (uWS as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT?: number }).LIBUS_LISTEN_EXCLUSIVE_PORT ?? 1;

export interface ListenOptions {
  host: string;
  port: number;
  log: Logger;
  /** Default `LISTEN_RETRY_MS`. */
  retryForMs?: number;
}

/**
 * Opens `app`'s listening socket on `host:port` for this process alone.
 *
 * uWebSockets.js 20.30 sets SO_REUSEADDR and, by default on Linux, SO_REUSEPORT: with the latter a
 * second live node binds the same port without an error and the kernel splits connections between
 * the two. `LIBUS_LISTEN_EXCLUSIVE_PORT` drops SO_REUSEPORT and keeps SO_REUSEADDR, so the sockets
 * a stopped or killed node leaves (TIME_WAIT, FIN_WAIT) do not block a restart on the same port.
 *
 * Rejects with `HttpListenError` at once when a live socket listens on the port (naming its process
 * where `/proc` shows it) or when nothing holds it and listening still fails; retries every 200 ms,
 * logging every 5 s, while only non-listening connections hold it (sockets of other programs that
 * do not allow address reuse), up to `retryForMs`.
 */
export function listenExclusive(app: TemplatedApp, options: ListenOptions): Promise<us_listen_socket> {
  return listenWithRetry({
    ...options,
    attempt: () =>
      new Promise((resolve) => {
        // The typings lack the (host, port, options, callback) form that the native module has.
        const listen = app.listen as unknown as (host: string, port: number, flags: number, callback: (socket: us_listen_socket | false) => void) => void;
        listen.call(app, options.host, options.port, LIBUS_LISTEN_EXCLUSIVE_PORT, (socket) => resolve(socket || undefined));
      }),
    holders: portHolders,
    pauseMs: 200,
  });
}

/** The retry policy of `listenExclusive`, apart from uWS and `/proc` (tests drive it directly). */
export async function listenWithRetry<Socket>(options: {
  host: string;
  port: number;
  log: Logger;
  retryForMs?: number;
  pauseMs: number;
  attempt: () => Promise<Socket | undefined>;
  holders: (port: number) => PortHolder[] | undefined;
}): Promise<Socket> {
  const { host, port, log } = options;
  const retryForMs = options.retryForMs ?? LISTEN_RETRY_MS;
  const started = Date.now();
  let loggedAt: number | undefined;
  for (;;) {
    const socket = await options.attempt();
    if (socket !== undefined) {
      if (loggedAt !== undefined) log.info({ host, port, waitedMs: Date.now() - started }, 'listening after the port was freed');
      return socket;
    }
    if (port === 0) throw HttpListenError.refused(host, port);
    const holders = options.holders(port);
    if (!holders) throw HttpListenError.inUse(host, port, undefined);
    const listeners = holders.filter((holder) => holder.state === 'LISTEN');
    if (listeners.length > 0) throw HttpListenError.inUse(host, port, listeners);
    if (holders.length === 0) throw HttpListenError.refused(host, port);
    const states = [...new Set(holders.map((holder) => holder.state))];
    if (Date.now() - started >= retryForMs) throw HttpListenError.stillHeld(host, port, states, Date.now() - started);
    if (loggedAt === undefined || Date.now() - loggedAt >= 5_000) {
      loggedAt = Date.now();
      log.warn({ host, port, states, connections: holders.length, retryForMs }, 'cannot listen yet: connections that do not allow address reuse hold the port; retrying');
    }
    await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
  }
}
