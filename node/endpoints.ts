import { resolve } from 'node:path';

/** Where a running node can be reached, as printed at start and written to `<dataDir>/node.json`. URLs only, never credentials. */
export interface NodeEndpoints {
  nodeId: string;
  /** The HTTP API, as a client on this machine reaches it (`0.0.0.0` becomes `127.0.0.1`). */
  httpUrl: string;
  /** The NATS server(s) the node uses, comma separated, user names, passwords and tokens removed. */
  natsUrl: string;
  /** The absolute data folder. */
  dataDir: string;
  /** Whether the database is the embedded PGlite (in the data folder) rather than PostgreSQL. */
  embeddedDatabase: boolean;
  /** Whether NATS is the node's own `nats-server` child. */
  embeddedNats: boolean;
}

/** `http://<host>:<port>` for a client on this machine: a wildcard listen address becomes loopback. */
export function localHttpUrl(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '') return `http://127.0.0.1:${port}`;
  if (host === '::' || host === '[::]') return `http://[::1]:${port}`;
  return host.includes(':') && !host.startsWith('[') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}

/** `urls` (comma separated) without user info: `nats://user:secret@host:4222` becomes `nats://host:4222`. */
export function withoutCredentials(urls: string): string {
  return urls
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean)
    .map((url) => url.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^@/]*@/i, '$1'))
    .join(',');
}

export function nodeEndpoints(options: { nodeId: string; httpHost: string; httpPort: number; natsUrl: string; dataDir: string; embeddedDatabase: boolean; embeddedNats: boolean }): NodeEndpoints {
  return {
    nodeId: options.nodeId,
    httpUrl: localHttpUrl(options.httpHost, options.httpPort),
    natsUrl: withoutCredentials(options.natsUrl),
    dataDir: resolve(options.dataDir),
    embeddedDatabase: options.embeddedDatabase,
    embeddedNats: options.embeddedNats,
  };
}
