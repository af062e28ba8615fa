import { z } from 'zod';
// Straight from their files, not the folders' index.ts: the CLI must start fast.
import { readAdminTokenFile } from '../auth/admin-token.ts';
import { apiTokenSchema } from '../auth/api-tokens.ts';
import { ConfigError } from '../node/config-error.ts';
import { readConfigFile } from '../node/config-file.ts';
import { findLocalNode } from '../node/local-node.ts';

/**
 * What the commands that talk to a node over HTTP need to know: where the node is, which token to
 * send, how long to wait. A subset of the node's configuration (node/config.ts), read from the same
 * variables and config file, without loading the rest of it (NATS, database): a client has no use
 * for those, and a bad NATS setting must not stop `vigil status`.
 */
export interface ClientConfig {
  /** The node's HTTP API, e.g. `http://vigil-1:8080`. */
  url: string;
  token: string;
  /** How long one request may take: the node's command timeout plus 5 s. */
  requestTimeoutMs: number;
}

/** The node's own defaults (node/config.ts); test/cli/client-config.test.ts keeps them equal. */
export const CLIENT_DEFAULTS = { dataDir: '.vigil', httpPort: 8080, commandTimeoutMs: 10_000 };

const unsetIfEmpty = (value: unknown) => (value === '' ? undefined : value);
const integerText = z.string().regex(/^\d+$/, 'expected a whole number').transform(Number);

const environmentSchema = z.object({
  VIGIL_URL: z.preprocess(unsetIfEmpty, z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as http://vigil-1:8080' }).optional()),
  VIGIL_TOKEN: z.preprocess(unsetIfEmpty, apiTokenSchema.optional()),
  VIGIL_ADMIN_TOKEN: z.preprocess(unsetIfEmpty, apiTokenSchema.optional()),
  VIGIL_DATA_DIR: z.preprocess(unsetIfEmpty, z.string().optional()),
  VIGIL_HTTP_PORT: z.preprocess(unsetIfEmpty, integerText.pipe(z.number().max(65_535)).optional()),
  VIGIL_COMMAND_TIMEOUT_MS: z.preprocess(unsetIfEmpty, integerText.pipe(z.number().min(1)).optional()),
});

/** The keys of the node's JSON config file the CLI reads; every other key is the node's business. */
const configFileSchema = z.object({
  dataDir: z.string().min(1).optional(),
  adminToken: apiTokenSchema.optional(),
  http: z.object({ port: z.number().int().min(0).max(65_535).optional() }).optional(),
  timeouts: z.object({ commandMs: z.number().int().min(1).optional() }).optional(),
});

/**
 * Where the CLI finds a node: `VIGIL_URL`; else the node running on this machine on the data
 * folder (`<VIGIL_DATA_DIR>/node.json`, while that process lives); else this machine at the
 * configured HTTP port (`VIGIL_HTTP_PORT`, default 8080). The token: `VIGIL_TOKEN`, else
 * `VIGIL_ADMIN_TOKEN` (or `adminToken` of the config file), else the admin token a node on embedded
 * defaults wrote to `<dataDir>/admin-token`. Throws `ConfigError` (exit code 2) naming the variable
 * when a value is malformed or no token is found.
 */
export function loadClientConfig(env: NodeJS.ProcessEnv, configFile: string | undefined): ClientConfig {
  const file = configFile ? parseWith(configFileSchema, readConfigFile(configFile), (path) => `config file ${configFile}: ${path}`) : {};
  // A variable's value is shown with its problem, except a token's.
  const vars = parseWith(environmentSchema, env, (name) => (name.endsWith('TOKEN') ? name : `${name}=${JSON.stringify(env[name])}`));
  const dataDir = vars.VIGIL_DATA_DIR ?? file.dataDir ?? CLIENT_DEFAULTS.dataDir;
  const url = vars.VIGIL_URL ?? findLocalNode(dataDir)?.httpUrl ?? `http://127.0.0.1:${vars.VIGIL_HTTP_PORT ?? file.http?.port ?? CLIENT_DEFAULTS.httpPort}`;
  const token = vars.VIGIL_TOKEN ?? vars.VIGIL_ADMIN_TOKEN ?? file.adminToken ?? tokenFromFile(dataDir);
  if (!token) {
    throw new ConfigError(`no API token: set VIGIL_TOKEN (an admin creates one with \`vigil token create\`), or run vigil where a node on embedded defaults keeps its data folder (${dataDir}/admin-token)`);
  }
  return { url, token, requestTimeoutMs: (vars.VIGIL_COMMAND_TIMEOUT_MS ?? file.timeouts?.commandMs ?? CLIENT_DEFAULTS.commandTimeoutMs) + 5_000 };
}

function tokenFromFile(dataDir: string): string | undefined {
  const token = readAdminTokenFile(dataDir);
  if (token !== undefined && !apiTokenSchema.safeParse(token).success) throw new ConfigError(`${dataDir}/admin-token does not hold an API token; set VIGIL_TOKEN`);
  return token;
}

/** `value` parsed by `schema`, or a ConfigError listing every problem under the name `where` gives it. */
function parseWith<T>(schema: z.ZodType<T>, value: unknown, where: (path: string) => string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${where(issue.path.join('.') || '(root)')}: ${issue.message}`);
  throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
}

