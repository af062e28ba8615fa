import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { ApiTokenStore } from '../persistence/index.ts';
import { generateApiToken, hashApiToken } from './api-tokens.ts';

/** The name of the admin token seeded from configuration or created at first start. */
export const SEED_ADMIN_TOKEN_NAME = 'admin';
/** The file (in the data folder) an admin token created at first start is written to. */
export const ADMIN_TOKEN_FILE = 'admin-token';

export interface AdminTokenOptions {
  store: ApiTokenStore;
  /** `VIGIL_ADMIN_TOKEN`: when set, it is the `admin` token (replacing an earlier value). */
  configured?: string;
  dataDir: string;
  nodeId: string;
  log: Logger;
  clock?: () => number;
}

/**
 * Makes sure somebody can administer the cluster, without ever choosing a weak default:
 * - `VIGIL_ADMIN_TOKEN` set: stored (hashed) as the token `admin`, replacing an earlier value;
 * - else, when no usable admin token exists: a random one is created and written to
 *   `<dataDir>/admin-token` (mode 0600), and the log says where it is (never the token).
 * When nodes start together, one creates the token and the others find it.
 * Returns the path of the token file this node wrote, if it wrote one.
 */
export async function ensureAdminToken(options: AdminTokenOptions): Promise<string | undefined> {
  const { store, log } = options;
  const now = (options.clock ?? Date.now)();
  const row = { role: 'admin', createdAt: now, createdBy: `node:${options.nodeId}`, expiresAt: null, revokedAt: null };
  if (options.configured) {
    const changed = await store.upsert({ ...row, name: SEED_ADMIN_TOKEN_NAME, tokenHash: hashApiToken(options.configured) });
    if (changed) log.info({ name: SEED_ADMIN_TOKEN_NAME }, 'admin token set from VIGIL_ADMIN_TOKEN');
    return undefined;
  }
  const file = resolve(options.dataDir, ADMIN_TOKEN_FILE);
  if (await store.hasUsable('admin', now)) {
    // A file left from an earlier token that was revoked since only misleads: remove it.
    if (existsSync(file) && !(await fileTokenUsable(store, file, now))) rmSync(file, { force: true });
    return undefined;
  }
  const token = generateApiToken();
  const name = (await store.find(SEED_ADMIN_TOKEN_NAME)) ? `admin-${now}` : SEED_ADMIN_TOKEN_NAME;
  if (!(await store.insert({ ...row, name, tokenHash: hashApiToken(token) }))) return undefined; // another node won
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its mode on write
  log.warn({ file, name }, `no admin token was configured: created one and wrote it to ${file} (readable by this user only); set VIGIL_ADMIN_TOKEN to choose your own`);
  return file;
}

/** The token in `<dataDir>/admin-token`, if that file exists and is readable. */
export function readAdminTokenFile(dataDir: string): string | undefined {
  try {
    return readFileSync(join(dataDir, ADMIN_TOKEN_FILE), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

async function fileTokenUsable(store: ApiTokenStore, file: string, now: number): Promise<boolean> {
  const token = readFileSync(file, 'utf8').trim();
  const row = await store.findByHash(hashApiToken(token));
  return row !== null && row.revokedAt === null && (row.expiresAt === null || row.expiresAt > now);
}
