import type { CommandRouter, EntityRuntime, SatelliteAccess } from '../actors/index.ts';
import type { SatelliteCredentialStore } from '../persistence/index.ts';
import { applySetup, type SetupEntryReport } from '../setup/apply-setup.ts';
import type { SetupFile } from '../setup/setup-file.ts';
import type { Logger } from './logger.ts';

/**
 * Applies the node's setup file (`VIGIL_SETUP_FILE`) through its own router, as the actor
 * `setup-file`. Every node of a cluster may do this at start: applying is idempotent.
 */
export async function applySetupOnStart(
  setup: SetupFile,
  parts: { runtime: EntityRuntime; router: CommandRouter; access: SatelliteAccess; credentials: SatelliteCredentialStore; log: Logger; nodeId: string },
): Promise<SetupEntryReport[]> {
  const { runtime, router, access, credentials, log, nodeId } = parts;
  const report = await applySetup(setup, {
    read: async (kind, id) => (await runtime.get(kind, id)).state as Record<string, unknown> | null,
    // The node applies its own setup file: its changes name the node (`node:<id>`).
    send: (kind, id, event) => router.dispatch(kind, id, event, { actor: `node:${nodeId}` }),
    // Through SatelliteAccess: a changed token also closes the sessions of the old one.
    installToken: async (satelliteId, secret) => (await access.install(satelliteId, secret)).changed,
    hasToken: (satelliteId) => credentials.has(satelliteId),
  });
  const count = (outcome: SetupEntryReport['outcome']) => report.filter((entry) => entry.outcome === outcome).length;
  for (const entry of report) if (entry.outcome === 'failed' || entry.detail) log.warn(entry, `setup file: ${entry.kind} ${entry.id} ${entry.outcome}`);
  log.info({ created: count('created'), updated: count('updated'), unchanged: count('unchanged'), failed: count('failed') }, 'setup file applied');
  return report;
}
