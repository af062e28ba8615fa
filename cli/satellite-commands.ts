import { connect, headers } from '@nats-io/transport-node';
import { commandReplySchema } from '../actors/index.ts';
import { subjectsFor } from '../bus/index.ts';
import { Database, SatelliteCredentialStore } from '../persistence/index.ts';
import type { VigilConfig } from '../node/index.ts';

/**
 * `vigil satellite add|list|rotate-token|remove`: credentials in PostgreSQL, the satellite
 * entity through the running cluster (a NATS command), so the change is routed, stored and
 * emitted like any other. Prints the token once; it is not stored anywhere.
 */
export async function satelliteCommand(config: VigilConfig, args: string[], flags: { name?: string; region?: string; json?: boolean }): Promise<number> {
  const [action, satelliteId] = args;
  const database = await Database.open({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  const credentials = new SatelliteCredentialStore(database);
  try {
    switch (action) {
      case 'add': {
        if (!satelliteId || !flags.name || !flags.region) return usage('vigil satellite add <id> --name <name> --region <region>');
        await send(config, satelliteId, { type: 'register', name: flags.name, region: flags.region });
        console.log(await credentials.issue(satelliteId));
        return 0;
      }
      case 'rotate-token': {
        if (!satelliteId) return usage('vigil satellite rotate-token <id>');
        if (!(await credentials.list()).some((entry) => entry.satelliteId === satelliteId)) return fail(`no satellite ${satelliteId}`);
        console.log(await credentials.issue(satelliteId));
        return 0;
      }
      case 'remove': {
        if (!satelliteId) return usage('vigil satellite remove <id>');
        const removed = await credentials.remove(satelliteId);
        await send(config, satelliteId, { type: 'remove' }).catch((error) => console.error(`vigil: ${(error as Error).message}`));
        return removed ? 0 : fail(`no satellite ${satelliteId}`);
      }
      case 'list': {
        const entries = await credentials.list();
        const states = await database.query<{ id: string; state: Record<string, unknown> | null; state_value: unknown }>(
          `select id, state, state_value from entity_state where kind = 'satellite'`,
        );
        const byId = new Map(states.map((row) => [row.id, row]));
        const rows = entries.map((entry) => ({ ...entry, status: byId.get(entry.satelliteId)?.state_value ?? 'unregistered', state: byId.get(entry.satelliteId)?.state ?? null }));
        if (flags.json) console.log(JSON.stringify(rows, null, 2));
        else for (const row of rows) console.log(`${row.satelliteId.padEnd(32)} ${String(row.status).padEnd(12)} token rotated ${new Date(row.rotatedAt).toISOString()}`);
        return 0;
      }
      default:
        return usage('vigil satellite add|list|rotate-token|remove');
    }
  } finally {
    await database.close();
  }
}

async function send(config: VigilConfig, satelliteId: string, event: unknown): Promise<void> {
  if (!config.natsUrl) throw new Error('NATS_URL is needed to reach the cluster');
  const nc = await connect({ servers: config.natsUrl.split(',') });
  try {
    const h = headers();
    h.set('Vigil-Actor', 'cli');
    const reply = commandReplySchema.parse((await nc.request(subjectsFor(config.namespace).command('satellite', satelliteId), JSON.stringify(event), { timeout: config.timeouts.commandMs, headers: h })).json());
    if (!reply.ok && reply.error.code !== 'EVENT_NOT_ALLOWED') throw new Error(`${reply.error.code}: ${reply.error.message}`);
  } finally {
    await nc.close();
  }
}

function usage(text: string): number {
  console.error(`usage: ${text}`);
  return 2;
}

function fail(text: string): number {
  console.error(`vigil: ${text}`);
  return 1;
}
