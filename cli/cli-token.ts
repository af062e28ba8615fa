import { readAdminTokenFile } from '../auth/index.ts';
import type { VigilConfig } from '../node/index.ts';

/**
 * The API token the CLI sends: `VIGIL_TOKEN`, else `VIGIL_ADMIN_TOKEN`, else the admin token a
 * node on embedded defaults created in its data folder (`<dataDir>/admin-token`, readable only by
 * the user that runs it).
 */
export function cliToken(config: VigilConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.VIGIL_TOKEN || config.adminToken || readAdminTokenFile(config.dataDir);
}
