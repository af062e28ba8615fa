import { z } from 'zod';
import { applySetup } from '../setup/apply-setup.ts';
import { readSetupFile, SetupFileError } from '../setup/setup-file.ts';
import type { CommandLine } from './command-line.ts';
import { fail, UsageError } from './exit.ts';
import { withNode } from './node-client.ts';

/**
 * `vigil apply -f <setup.yaml>`: applies a declarative setup to a running cluster through a node's
 * HTTP API (the same as a node does at start with VIGIL_SETUP_FILE). Prints one line per entity;
 * exit code 1 if any failed, 2 if the file is not a valid setup (then nothing is sent).
 */
export async function applyCommand(line: CommandLine): Promise<number> {
  const { file, json } = line.options(z.object({ file: z.string().min(1), json: z.boolean().optional() }));
  let setup;
  try {
    setup = readSetupFile(file);
  } catch (error) {
    if (error instanceof SetupFileError) throw new UsageError(error.message);
    throw error;
  }
  const token = (satelliteId: string) => `/satellites/${encodeURIComponent(satelliteId)}/token`;
  return withNode(line.configFile, async (node) => {
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
  });
}
