import { CommandRefusedError, NodeClient } from './node-client.ts';
import { fail, usage } from './exit.ts';
import type { VigilConfig } from '../node/index.ts';

/**
 * `vigil satellite add|list|rotate-token|remove`: the satellite entity and its token, both
 * through a node's HTTP API (the entity is routed, stored and emitted like any other; the token
 * is issued by the node and stored only as a salted hash). Prints the token once.
 */
export async function satelliteCommand(config: VigilConfig, args: string[], flags: { name?: string; region?: string; json?: boolean }): Promise<number> {
  const [action, satelliteId] = args;
  const node = NodeClient.connect(config);
  try {
    switch (action) {
      case 'add': {
        if (!satelliteId || !flags.name || !flags.region) return usage('vigil satellite add <id> --name <name> --region <region>');
        await sendAllowingRepeat(node, satelliteId, { type: 'register', name: flags.name, region: flags.region });
        console.log(await issueToken(node, satelliteId));
        return 0;
      }
      case 'rotate-token': {
        if (!satelliteId) return usage('vigil satellite rotate-token <id>');
        const { hasToken } = await node.request<{ hasToken: boolean }>('GET', `/satellites/${encodeURIComponent(satelliteId)}/token`);
        if (!hasToken) return fail(`no satellite ${satelliteId}`);
        console.log(await issueToken(node, satelliteId));
        return 0;
      }
      case 'remove': {
        if (!satelliteId) return usage('vigil satellite remove <id>');
        const removed = await node.request('DELETE', `/satellites/${encodeURIComponent(satelliteId)}/token`).then(
          () => true,
          (error: unknown) => {
            if (error instanceof CommandRefusedError && error.code === 'NOT_FOUND') return false;
            throw error;
          },
        );
        await sendAllowingRepeat(node, satelliteId, { type: 'remove' }).catch((error) => console.error(`vigil: ${(error as Error).message}`));
        return removed ? 0 : fail(`no satellite ${satelliteId}`);
      }
      case 'list': {
        const { credentials } = await node.request<{ credentials: Array<{ satelliteId: string; createdAt: number; rotatedAt: number }> }>('GET', '/satellites/credentials');
        const states = new Map((await node.list('satellite')).map((item) => [item.id, item]));
        const rows = credentials.map((entry) => ({ ...entry, status: states.get(entry.satelliteId)?.stateValue ?? 'unregistered', state: states.get(entry.satelliteId)?.state ?? null }));
        if (flags.json) console.log(JSON.stringify(rows, null, 2));
        else for (const row of rows) console.log(`${row.satelliteId.padEnd(32)} ${String(row.status).padEnd(12)} token rotated ${new Date(row.rotatedAt).toISOString()}`);
        return 0;
      }
      default:
        return usage('vigil satellite add|list|rotate-token|remove');
    }
  } catch (error) {
    return fail((error as Error).message);
  }
}

async function issueToken(node: NodeClient, satelliteId: string): Promise<string> {
  return (await node.request<{ token: string }>('POST', `/satellites/${encodeURIComponent(satelliteId)}/token`)).token;
}

/** Sends a satellite event; a refusal because of its state (already registered, removed) is not an error here. */
async function sendAllowingRepeat(node: NodeClient, satelliteId: string, event: Record<string, unknown>): Promise<void> {
  await node.send('satellite', satelliteId, event).catch((error) => {
    if (!(error instanceof CommandRefusedError && error.code === 'EVENT_NOT_ALLOWED')) throw error;
  });
}
