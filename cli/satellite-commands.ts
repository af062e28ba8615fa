import { ClusterClient, CommandRefusedError } from './cluster-client.ts';
import { fail, usage } from './exit.ts';
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
        if (!(await credentials.has(satelliteId))) return fail(`no satellite ${satelliteId}`);
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

/** Sends a satellite event through the cluster; a refusal because of its state (already registered, removed) is not an error here. */
async function send(config: VigilConfig, satelliteId: string, event: Record<string, unknown>): Promise<void> {
  const cluster = await ClusterClient.connect(config);
  try {
    await cluster.send('satellite', satelliteId, event).catch((error) => {
      if (!(error instanceof CommandRefusedError && error.code === 'EVENT_NOT_ALLOWED')) throw error;
    });
  } finally {
    await cluster.close();
  }
}
