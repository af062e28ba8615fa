import type { PortHolder } from './port-holders.ts';

/** The HTTP listener could not be opened. `code` is stable; the message says why and what to do. */
export class HttpListenError extends Error {
  readonly code = 'HTTP_LISTEN_FAILED';

  constructor(
    readonly host: string,
    readonly port: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpListenError';
  }

  /** Another live socket listens on the port (another node, or any other program). */
  static inUse(host: string, port: number, listeners: PortHolder[] | undefined): HttpListenError {
    const who = listeners?.length
      ? listeners.map((holder) => (holder.pid ? `pid ${holder.pid}${holder.command ? ` (${holder.command})` : ''}` : 'a process this user cannot see')).join(', ')
      : 'another process';
    return new HttpListenError(host, port, `cannot listen on ${host}:${port}: ${who} listens on port ${port}. Stop it, or set VIGIL_HTTP_PORT to another port (0: any free port).`);
  }

  /** Connections of an earlier process (not listening) still held the port when the retry time ran out. */
  static stillHeld(host: string, port: number, states: string[], waitedMs: number): HttpListenError {
    return new HttpListenError(host, port, `cannot listen on ${host}:${port}: after ${Math.round(waitedMs / 1000)} s the port is still held by closing connections (${states.join(', ')}) that do not allow address reuse.`);
  }

  /** Nothing holds the port, yet listening failed (an address that is not this machine's, a privileged port). */
  static refused(host: string, port: number): HttpListenError {
    return new HttpListenError(host, port, `cannot listen on ${host}:${port}: the port is free, so the address is not one of this machine's or the port needs privileges (below 1024). Check VIGIL_HTTP_HOST and VIGIL_HTTP_PORT.`);
  }
}
