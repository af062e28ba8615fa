import { chmodSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
// From its own file, not persistence/index.ts (MikroORM): the CLI reads node.json and must start fast.
import { identityOf, processIdentitySchema, processState } from '../persistence/process-identity.ts';
import type { NodeEndpoints } from './endpoints.ts';

/** The discovery file's name inside the data folder. */
export const LOCAL_NODE_FILE = 'node.json';

const localNodeFileSchema = processIdentitySchema.extend({
  version: z.literal(1),
  nodeId: z.string().min(1),
  httpUrl: z.string().url(),
  natsUrl: z.string().min(1),
  dataDir: z.string().min(1),
  /** ISO 8601: when the node became ready. */
  startedAt: z.string().min(1),
});

/** A node running on this machine with a given data folder, as its `node.json` says. */
export interface LocalNode {
  nodeId: string;
  pid: number;
  /** Its HTTP API, e.g. `http://127.0.0.1:8080`. */
  httpUrl: string;
  /** Its NATS server(s), without credentials. */
  natsUrl: string;
  /** The absolute data folder. */
  dataDir: string;
  startedAt: string;
}

/**
 * The node that serves the data folder `dataDir`, if one runs: read from `<dataDir>/node.json`,
 * which a node writes once it is ready and removes when it stops. Undefined when there is no such
 * file, it does not parse, or the process it names is gone (killed: its pid has exited or now
 * belongs to another process) or runs on another host. Never throws.
 */
export function findLocalNode(dataDir: string): LocalNode | undefined {
  let file: z.infer<typeof localNodeFileSchema>;
  try {
    const parsed = localNodeFileSchema.safeParse(JSON.parse(readFileSync(join(resolve(dataDir), LOCAL_NODE_FILE), 'utf8')));
    if (!parsed.success) return undefined;
    file = parsed.data;
  } catch {
    return undefined;
  }
  if (processState(file) !== 'alive') return undefined;
  return { nodeId: file.nodeId, pid: file.pid, httpUrl: file.httpUrl, natsUrl: file.natsUrl, dataDir: file.dataDir, startedAt: file.startedAt };
}

/**
 * Writes `<dataDir>/node.json` for this process (mode 0644, readable by anyone who can read the
 * folder: it holds URLs and ids only). Atomic: readers see the old file or the new one, never a part.
 */
export function writeLocalNode(endpoints: NodeEndpoints, startedAt: Date): void {
  const file = join(endpoints.dataDir, LOCAL_NODE_FILE);
  const content = {
    version: 1 as const,
    ...identityOf(),
    nodeId: endpoints.nodeId,
    httpUrl: endpoints.httpUrl,
    natsUrl: endpoints.natsUrl,
    dataDir: endpoints.dataDir,
    startedAt: startedAt.toISOString(),
  };
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o644 });
  chmodSync(temporary, 0o644); // whatever the umask
  renameSync(temporary, file);
}

/** Removes `<dataDir>/node.json` if this process wrote it. */
export function removeLocalNode(dataDir: string): void {
  const file = join(resolve(dataDir), LOCAL_NODE_FILE);
  try {
    const parsed = localNodeFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (parsed.success && parsed.data.pid === process.pid) unlinkSync(file);
  } catch {
    // no file, or not ours
  }
}
