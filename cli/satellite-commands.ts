import { SatelliteAccess, SatelliteAccessError } from '../actors/index.ts';
import { subjectsFor } from '../bus/index.ts';
import { ClusterClient, CommandRefusedError } from './cluster-client.ts';
import { fail, usage } from './exit.ts';
import { Database, SatelliteCredentialStore } from '../persistence/index.ts';
import type { VigilConfig } from '../node/index.ts';

/**
 * `vigil satellite add|list|rotate-token|remove`: credentials in PostgreSQL through
 * `SatelliteAccess` (which tells every node, so the sessions of a rotated or removed token close
 * at once), the satellite entity through the running cluster (a NATS command), so the change is
 * routed, stored and emitted like any other. Prints the token once; it is not stored anywhere.
 */
export async function satelliteCommand(config: VigilConfig, args: string[], flags: { name?: string; region?: string; json?: boolean }): Promise<number> {
  const [action, satelliteId] = args;
  const database = await Database.open({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  const credentials = new SatelliteCredentialStore(database);
  let cluster: ClusterClient | undefined;
  let unreachable: string | undefined;
  /** The cluster, or undefined when NATS cannot be reached (credential changes then go unannounced). */
  const reach = async () => {
    if (!cluster && unreachable === undefined) cluster = await ClusterClient.connect(config).catch((error: Error) => void (unreachable = error.message));
    return cluster;
  };
  const requireCluster = async () => {
    const reached = await reach();
    if (!reached) throw new Error(unreachable ?? 'cannot reach the cluster');
    return reached;
  };
  const access = async () => (await reach())?.satelliteAccess(credentials) ?? new SatelliteAccess(credentials, noNats, subjectsFor(config.namespace));
  const warnUnannounced = (announced: boolean) => {
    if (!announced) console.error(`vigil: NATS not reachable: nodes close the old token's sessions at their next credential re-check (VIGIL_SATELLITE_CREDENTIAL_RECHECK_MS, 30 s by default)`);
  };
  try {
    switch (action) {
      case 'add': {
        if (!satelliteId || !flags.name || !flags.region) return usage('vigil satellite add <id> --name <name> --region <region>');
        await send(await requireCluster(), satelliteId, { type: 'register', name: flags.name, region: flags.region });
        console.log((await (await access()).issue(satelliteId)).token);
        return 0;
      }
      case 'rotate-token': {
        if (!satelliteId) return usage('vigil satellite rotate-token <id>');
        const rotated = await (await access()).rotate(satelliteId);
        warnUnannounced(rotated.announced);
        console.log(rotated.token);
        return 0;
      }
      case 'remove': {
        if (!satelliteId) return usage('vigil satellite remove <id>');
        // The credential first: from here on no connection of it is accepted, and open ones close.
        const { removed, announced } = await (await access()).remove(satelliteId);
        warnUnannounced(announced);
        const reached = await reach();
        if (reached) await send(reached, satelliteId, { type: 'remove' }).catch((error) => console.error(`vigil: ${(error as Error).message}`));
        else console.error(`vigil: NATS not reachable: the satellite entity ${satelliteId} was not removed; run this again`);
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
  } catch (error) {
    if (error instanceof SatelliteAccessError && error.code === 'NO_SATELLITE') return fail(`no satellite ${satelliteId}`);
    throw error;
  } finally {
    await cluster?.close();
    await database.close();
  }
}

/** A publisher for when NATS cannot be reached: every announcement reports failure. */
const noNats = {
  publish: () => {
    throw new Error('NATS not reachable');
  },
  flush: () => Promise.reject(new Error('NATS not reachable')),
};

/** Sends a satellite event through the cluster; a refusal because of its state (already registered, removed) is not an error here. */
async function send(cluster: ClusterClient, satelliteId: string, event: Record<string, unknown>): Promise<void> {
  await cluster.send('satellite', satelliteId, event).catch((error) => {
    if (!(error instanceof CommandRefusedError && error.code === 'EVENT_NOT_ALLOWED')) throw error;
  });
}
