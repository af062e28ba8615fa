import type { VigilConfig } from '../node/index.ts';
import { Database, SatelliteCredentialStore } from '../persistence/index.ts';
import { applySetup } from '../setup/apply-setup.ts';
import { readSetupFile, SetupFileError } from '../setup/setup-file.ts';
import { ClusterClient, readEntityState } from './cluster-client.ts';
import { fail, usage } from './exit.ts';

/**
 * `vigil apply -f <setup.yaml>`: applies a declarative setup to a running cluster (the same as a
 * node does at start with VIGIL_SETUP_FILE). Prints one line per entity; exit code 1 if any failed.
 */
export async function applyCommand(config: VigilConfig, file: string | undefined, json: boolean): Promise<number> {
  if (!file) return usage('vigil apply -f <setup.yaml|json>');
  let setup;
  try {
    setup = readSetupFile(file);
  } catch (error) {
    if (error instanceof SetupFileError) return usage(error.message);
    throw error;
  }
  const database = await Database.open({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  const credentials = new SatelliteCredentialStore(database);
  const cluster = await ClusterClient.connect(config);
  const access = cluster.satelliteAccess(credentials);
  try {
    const report = await applySetup(setup, {
      read: (kind, id) => readEntityState(database, kind, id),
      send: (kind, id, event) => cluster.send(kind, id, event),
      // Through SatelliteAccess: a changed token also closes the sessions of the old one, on every node.
      installToken: async (satelliteId, secret) => (await access.install(satelliteId, secret)).changed,
      hasToken: (satelliteId) => credentials.has(satelliteId),
    });
    if (json) console.log(JSON.stringify(report, null, 2));
    else for (const entry of report) console.log(`${entry.kind.padEnd(10)} ${entry.id.padEnd(28)} ${entry.outcome}${entry.detail ? `: ${entry.detail}` : ''}`);
    const failed = report.filter((entry) => entry.outcome === 'failed').length;
    return failed > 0 ? fail(`${failed} of ${report.length} entries failed`) : 0;
  } finally {
    await cluster.close();
    await database.close();
  }
}
