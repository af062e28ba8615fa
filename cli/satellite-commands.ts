import { z } from 'zod';
import type { CommandLine } from './command-line.ts';
import { fail } from './exit.ts';
import { CommandRefusedError, NodeClient, withNode } from './node-client.ts';
import { idSchema } from './option-schemas.ts';

// `vigil satellite add|list|rotate-token|remove`: the satellite entity and its token, both
// through a node's HTTP API (the entity is routed, stored and emitted like any other; the token
// is issued by the node and stored only as a salted hash). Prints the token once.

const addOptions = z.object({ name: z.string().min(1, 'must not be empty'), region: z.string().min(1, 'must not be empty') });

export async function addSatellite(line: CommandLine): Promise<number> {
  const satelliteId = line.argument(0, idSchema);
  const { name, region } = line.options(addOptions);
  return withNode(line.configFile, async (node) => {
    await sendAllowingRepeat(node, satelliteId, { type: 'register', name, region });
    console.log(await issueToken(node, satelliteId));
    return 0;
  });
}

export async function rotateSatelliteToken(line: CommandLine): Promise<number> {
  const satelliteId = line.argument(0, idSchema);
  return withNode(line.configFile, async (node) => {
    const { hasToken } = await node.request<{ hasToken: boolean }>('GET', tokenPath(satelliteId));
    if (!hasToken) return fail(`no satellite ${satelliteId}`);
    console.log(await issueToken(node, satelliteId));
    return 0;
  });
}

export async function removeSatellite(line: CommandLine): Promise<number> {
  const satelliteId = line.argument(0, idSchema);
  return withNode(line.configFile, async (node) => {
    const removed = await node.request('DELETE', tokenPath(satelliteId)).then(
      () => true,
      (error: unknown) => {
        if (error instanceof CommandRefusedError && error.code === 'NOT_FOUND') return false;
        throw error;
      },
    );
    await sendAllowingRepeat(node, satelliteId, { type: 'remove' }).catch((error) => console.error(`vigil: ${(error as Error).message}`));
    return removed ? 0 : fail(`no satellite ${satelliteId}`);
  });
}

export async function listSatellites(line: CommandLine): Promise<number> {
  const { json } = line.options(z.object({ json: z.boolean().optional() }));
  return withNode(line.configFile, async (node) => {
    const { credentials } = await node.request<{ credentials: Array<{ satelliteId: string; createdAt: number; rotatedAt: number }> }>('GET', '/satellites/credentials');
    const states = new Map((await node.list('satellite')).map((item) => [item.id, item]));
    const rows = credentials.map((entry) => ({ ...entry, status: states.get(entry.satelliteId)?.stateValue ?? 'unregistered', state: states.get(entry.satelliteId)?.state ?? null }));
    if (json) console.log(JSON.stringify(rows, null, 2));
    else for (const row of rows) console.log(`${row.satelliteId.padEnd(32)} ${String(row.status).padEnd(12)} token rotated ${new Date(row.rotatedAt).toISOString()}`);
    return 0;
  });
}

const tokenPath = (satelliteId: string) => `/satellites/${encodeURIComponent(satelliteId)}/token`;

async function issueToken(node: NodeClient, satelliteId: string): Promise<string> {
  return (await node.request<{ token: string }>('POST', tokenPath(satelliteId))).token;
}

/** Sends a satellite event; a refusal because of its state (already registered, removed) is not an error here. */
async function sendAllowingRepeat(node: NodeClient, satelliteId: string, event: Record<string, unknown>): Promise<void> {
  await node.send('satellite', satelliteId, event).catch((error) => {
    if (!(error instanceof CommandRefusedError && error.code === 'EVENT_NOT_ALLOWED')) throw error;
  });
}
