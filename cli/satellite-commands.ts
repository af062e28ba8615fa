import { z } from 'zod';
import type { satelliteItemSchema } from '../gateway/query/items.ts';
import { satelliteStatusSchema } from '../machines/satellite.machine.ts';
import type { CommandLine } from './command-line.ts';
import { fail } from './exit.ts';
import { CommandRefusedError, NodeClient, withNode } from './node-client.ts';
import { choiceListSchema, idSchema } from './option-schemas.ts';
import { isoTime, listOptions, printList, readList } from './query-list.ts';

// `vigil satellite add|list|rotate-token|remove`: the satellite entity and its token, both
// through a node's HTTP API (the entity is routed, stored and emitted like any other; the token
// is issued by the node and stored only as a salted hash). Prints the token once.

type SatelliteItem = z.infer<typeof satelliteItemSchema>;

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

const satelliteListOptions = listOptions.extend({
  status: choiceListSchema(satelliteStatusSchema.options).optional(),
  region: z.string().min(1, 'must not be empty').max(100, 'at most 100 characters').optional(),
});

/**
 * `vigil satellite list [--status …] [--region R]`: the satellites (GET /satellites, by id) with
 * where they are connected; the table adds when each token was last rotated (GET
 * /satellites/credentials), `--json` prints the API's items alone.
 */
export async function listSatellites(line: CommandLine): Promise<number> {
  const options = line.options(satelliteListOptions);
  return withNode(line.configFile, async (node) => {
    const list = await readList<SatelliteItem>(node, '/satellites', { status: options.status?.join(','), region: options.region }, options);
    const rotated = options.json
      ? new Map<string, number>()
      : new Map((await node.request<{ credentials: Array<{ satelliteId: string; rotatedAt: number }> }>('GET', '/satellites/credentials')).credentials.map((entry) => [entry.satelliteId, entry.rotatedAt]));
    return printList(list, options, {
      ID: (satellite) => satellite.id,
      NAME: (satellite) => satellite.name,
      REGION: (satellite) => satellite.region,
      STATUS: (satellite) => satellite.status,
      NODE: (satellite) => satellite.session?.node ?? '-',
      'LAST SEEN': (satellite) => isoTime(satellite.lastSeenAt),
      'TOKEN ROTATED': (satellite) => (rotated.has(satellite.id) ? isoTime(rotated.get(satellite.id)) : 'no token'),
    });
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
