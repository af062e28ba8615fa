import type { VigilConfig } from '../node/index.ts';
import { applySetup } from '../setup/apply-setup.ts';
import { readSetupFile, SetupFileError } from '../setup/setup-file.ts';
import { NodeClient } from './node-client.ts';
import { fail, usage } from './exit.ts';

/**
 * `vigil apply -f <setup.yaml>`: applies a declarative setup to a running cluster through a node's
 * HTTP API (the same as a node does at start with VIGIL_SETUP_FILE). Prints one line per entity;
 * exit code 1 if any failed.
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
  const node = NodeClient.connect(config);
  const token = (satelliteId: string) => `/satellites/${encodeURIComponent(satelliteId)}/token`;
  try {
    const report = await applySetup(setup, {
      read: (kind, id) => node.get(kind, id),
      send: (kind, id, event) => node.send(kind, id, event),
      installToken: async (satelliteId, secret) => (await node.request<{ changed: boolean }>('PUT', token(satelliteId), { token: `${satelliteId}.${secret}` })).changed,
      hasToken: async (satelliteId) => (await node.request<{ hasToken: boolean }>('GET', token(satelliteId))).hasToken,
    });
    if (json) console.log(JSON.stringify(report, null, 2));
    else for (const entry of report) console.log(`${entry.kind.padEnd(10)} ${entry.id.padEnd(28)} ${entry.outcome}${entry.detail ? `: ${entry.detail}` : ''}`);
    const failed = report.filter((entry) => entry.outcome === 'failed').length;
    return failed > 0 ? fail(`${failed} of ${report.length} entries failed`) : 0;
  } catch (error) {
    return fail((error as Error).message);
  }
}
