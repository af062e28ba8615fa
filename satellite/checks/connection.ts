import { lookup as dnsLookup } from 'node:dns';
import { once } from 'node:events';
import { connect as netConnect, isIP, type LookupFunction, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { CheckRun } from './check-run.ts';

type Lookup = (hostname: string, options: object, callback: (...results: unknown[]) => void) => void;

/**
 * Opens a TCP connection to `host:port` for `run`, timing the name lookup (`dnsMs`: the system
 * resolver, getaddrinfo, as browsers and curl use it; none for an IP address) and the connect
 * (`connectMs`). Node's own connect is used, so with IPv4 and IPv6 addresses it tries both (happy
 * eyeballs). Rejects with the socket's error (ENOTFOUND, ECONNREFUSED, …) or the run's timeout.
 */
export async function openTcp(run: CheckRun, host: string, port: number): Promise<Socket> {
  const bareHost = host.replace(/^\[(.*)\]$/, '$1');
  run.phase = isIP(bareHost) ? 'connect' : 'dns';
  let connectStarted = performance.now();
  const timedLookup: Lookup = (hostname, options, callback) => {
    const started = performance.now();
    (dnsLookup as unknown as Lookup)(hostname, options, (...results) => {
      run.addTiming('dnsMs', performance.now() - started);
      if (!results[0]) run.phase = 'connect';
      connectStarted = performance.now();
      callback(...results);
    });
  };
  const socket = run.hold(netConnect({ host: bareHost, port, lookup: timedLookup as unknown as LookupFunction }));
  await once(socket, 'connect');
  run.addTiming('connectMs', performance.now() - connectStarted);
  if (socket.remoteAddress) run.measure('address', socket.remoteAddress);
  return socket;
}

export interface TlsOptions {
  /** The host as the check names it: verified against the certificate, and the SNI name unless an IP address. */
  host: string;
  /** Another name to send in SNI and verify the certificate against. */
  servername?: string;
}

/**
 * A TLS handshake over `socket`, timed as `tlsMs`. The certificate is not refused here (the
 * caller judges `authorized` / `authorizationError` after reading it, so an invalid one is still
 * reported); nothing is sent over the socket before the caller has judged it.
 */
export async function startTls(run: CheckRun, socket: Socket, options: TlsOptions): Promise<TLSSocket> {
  run.phase = 'tls';
  const started = performance.now();
  const host = options.host.replace(/^\[(.*)\]$/, '$1');
  const servername = options.servername ?? (isIP(host) ? undefined : host);
  const secure = run.hold(tlsConnect({ socket, host: servername ?? host, ...(servername ? { servername } : {}), rejectUnauthorized: false }));
  // The TLS socket owns the TCP one now and destroys it with itself.
  run.release(socket);
  await once(secure, 'secureConnect');
  run.addTiming('tlsMs', performance.now() - started);
  return secure;
}
