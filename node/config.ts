import { hostname } from 'node:os';
import { z } from 'zod';
import { apiTokenSchema } from '../auth/index.ts';
import { entityIdSchema } from '../machines/index.ts';
import { refuseUnstorable } from '../protocol/storable-text.ts';
// The file, not gateway/index.ts: reading the configuration must not load the uWS native addon.
import { addressRangeSchema } from '../gateway/address-allow-list.ts';
import { parseDuration } from '../automations/expressions/durations.ts';
import { ConfigError } from './config-error.ts';
import { readConfigFile } from './config-file.ts';
import { hasNatsAuth, natsSettingsSchema } from './nats-config.ts';

const DAY = 86_400_000;

/** A duration in the automations' grammar (`14d`, `90d`, `1h30m`) or a number of milliseconds, held as ms; at least `minMs`. */
function durationSetting(minMs: number, minText: string) {
  return z.union([z.number().int().nonnegative(), z.string()]).transform((input, context) => {
    let ms: number;
    try {
      ms = parseDuration(input);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message, input });
      return z.NEVER;
    }
    if (ms < minMs) {
      context.addIssue({ code: 'custom', message: `at least ${minText}`, input });
      return z.NEVER;
    }
    return ms;
  });
}

/**
 * A node's configuration. Sources, later wins: built-in defaults, the JSON file named by
 * `VIGIL_CONFIG` (or `--config`), then environment variables. Every value is validated;
 * a bad value stops the node with a message that names the variable.
 */
export const configSchema = z.object({
  /** Unique per running node; shows in logs, `vigil status` and NATS connection names. */
  nodeId: z.string().regex(/^[A-Za-z0-9_\-]{1,64}$/, 'letters, digits, "_" or "-", at most 64'),
  /** PostgreSQL URL. Absent: embedded PGlite in `<dataDir>/pglite`. */
  databaseUrl: z.string().url().optional(),
  /** NATS URL(s), comma separated. Absent: a `nats-server -js` child process on a free loopback port. */
  natsUrl: z.string().min(1).optional(),
  /**
   * Credentials, TLS and inbox prefix for `natsUrl` (node/nats-config.ts has the rules). Secrets
   * are held as `Secret`s: they print as `[redacted]`. Not for the embedded server, which has a
   * generated user of its own.
   */
  nats: natsSettingsSchema,
  /** Where the embedded database and embedded NATS keep their files. */
  dataDir: z.string().min(1),
  /** A declarative setup (YAML or JSON: groups, systems, satellites, checks) applied once the node is ready. */
  setupFile: z.string().min(1).optional(),
  /**
   * Values automations reference as `${{ secrets.NAME }}`: from `VIGIL_SECRET_<NAME>` variables
   * (or `secrets` in the config file). Resolved only when an action runs; masked in traces and logs.
   */
  secrets: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'secret names are upper case letters, digits and "_"'), z.string().min(1)).default({}),
  /**
   * The admin API token (`VIGIL_ADMIN_TOKEN`), stored hashed as the token named `admin`. Absent and
   * no admin token stored yet: the first node creates one and writes it to `<dataDir>/admin-token`.
   */
  adminToken: apiTokenSchema.optional(),
  /** First token of every subject and prefix of every stream/consumer name; isolates deployments (and test runs) that share a NATS server. */
  namespace: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'lowercase letters, digits, "_", starting with a letter'),
  http: z.object({
    host: z.string().min(1),
    /** 0 picks a free port (logged at start). */
    port: z.number().int().min(0).max(65535),
  }),
  /** Run pending migrations at start (under an advisory lock, so several nodes may start at once). */
  migrateOnStart: z.boolean(),
  timeouts: z.object({
    /** A hot actor with an empty mailbox is dropped from memory after this long. */
    passivateAfterMs: z.number().int().positive(),
    /** `dispatch` and NATS commands give up after this long (the command may still commit). */
    commandMs: z.number().int().positive(),
    /** How often stored timers are polled for due ones (timers committed here are also armed in memory). */
    timerPollMs: z.number().int().positive(),
    /** How often the outbox is polled for rows a relay has not published (its own commits wake it at once). */
    outboxPollMs: z.number().int().positive(),
    /** How long to wait for in-flight work when stopping. */
    shutdownMs: z.number().int().positive(),
    /**
     * Partition lease time: a node that stops renewing (killed, frozen, cut off) loses its
     * partitions after this long — the failover time. Same on every node.
     */
    leaseTtlMs: z.number().int().min(1000),
  }),
  /**
   * Number of partitions (placement units). Fixed for a cluster's lifetime: the first node stores
   * it and every other node must be configured the same.
   */
  partitions: z.number().int().min(1).max(4096),
  automations: z.object({
    /** Ended automation runs (their state and transitions) are removed this long after they ended; 0 keeps them forever. */
    runRetentionMs: z.number().int().nonnegative(),
    /** How often each node looks for runs past their retention. */
    runPruneEveryMs: z.number().int().min(1000),
  }),
  /**
   * The check history: every check result stored (raw, one partition per UTC day) with hourly and
   * daily roll-ups per check and system (docs/OPERATIONS.md, "Check history"). The same on every node.
   */
  history: z.object({
    /** Store results and roll-ups. Off: results only move health, and the history routes answer empty. */
    enabled: z.boolean(),
    /** Raw results are kept this long (whole UTC days: a day is dropped once it ended this long ago); at least one day. */
    rawRetention: durationSetting(DAY, '1d'),
    /** Hourly roll-ups are kept this long; at least one day. */
    hourlyRetention: durationSetting(DAY, '1d'),
    /** Daily roll-ups are kept this long; at least one day. */
    dailyRetention: durationSetting(DAY, '1d'),
    /** How often each node creates the coming days' partitions and applies retention; at least a minute. */
    maintenanceEvery: durationSetting(60_000, '1m'),
  }),
  satellites: z.object({
    /**
     * A result whose `executedAt` is more than this ahead of the node's clock is refused
     * (`EXECUTED_IN_FUTURE`): a satellite with a clock far ahead would otherwise make every later,
     * correct result of its checks look stale.
     */
    maxClockAheadMs: z.number().int().min(0),
    /** A result executed longer ago than this is refused (`EXECUTED_TOO_LONG_AGO`); 0 accepts any age. */
    maxResultAgeMs: z.number().int().min(0),
    /** How often each node compares its satellite sessions' credentials with the stored ones (the safety net when a rotation notice was lost). */
    credentialRecheckMs: z.number().int().min(100),
    /** How often each node looks for satellites still marked connected through a socket that no longer exists (a dead node's, or its own from before a crash). */
    sessionSweepMs: z.number().int().min(100),
  }),
  /** The live stream for browsers (`/stream/v1`). */
  liveStream: z.object({
    /** A socket that sends no valid `subscribe` frame within this long is closed (4401). */
    subscribeTimeoutMs: z.number().int().min(100),
    /** How often the tokens of open live streams are checked again (a revoked or expired one closes its streams, 4401). */
    tokenRecheckMs: z.number().int().min(100),
    /** Unread output one browser may have waiting on this node before it is closed as too slow (4008), bytes. */
    maxBufferedBytes: z.number().int().min(16 * 1024).max(64 * 1024 * 1024),
  }),
  /**
   * How far this host's clock may be from the database's (the cluster's shared clock). Deadlines
   * never use the host's clock, whatever its offset; these bound how broken a host may look.
   */
  clock: z.object({
    /** Above this offset, either way, the node logs a warning (at most once a minute). */
    warnOffsetMs: z.number().int().min(0),
    /** Above this offset, either way, the node owns no partitions until it is back within it (like CockroachDB's `--max-offset`). */
    maxOffsetMs: z.number().int().min(1),
  }),
  /** JetStream duplicate window of Vigil's streams (entity, trigger, parked), in ms. */
  duplicateWindowMs: z.number().int().min(1000),
  /** Stream replicas (1 on a single server, 3 on a 3-node cluster). */
  streamReplicas: z.number().int().min(1).max(5),
  metrics: z.object({
    /**
     * Peers (IP addresses or CIDR ranges) that may read `GET /metrics` without a token. Empty
     * (the default): a viewer token is always needed.
     */
    allow: z.array(addressRangeSchema),
  }),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  /**
   * The public status page (`GET /status.json`, no token). Nothing is public until groups are
   * listed: the systems of these groups, their health and uptime, and the incidents and
   * maintenance that touch them are shown to anyone who can reach the node.
   */
  statusPage: z.object({
    title: z.string().min(1).max(200),
    /** Group ids shown, in this order; empty: the page answers `enabled: false` and lists nothing. */
    groupIds: z.array(entityIdSchema).max(100).refine((ids) => new Set(ids).size === ids.length, 'group ids must not repeat'),
    /** The document is computed at most once per this period per node (and cached this long by browsers and proxies). */
    cacheMs: z.number().int().min(1000).max(3_600_000),
  }),
}).superRefine((config, context) => {
  if (config.clock.warnOffsetMs > config.clock.maxOffsetMs) {
    context.addIssue({ code: 'custom', path: ['clock', 'warnOffsetMs'], message: `must not be above clock.maxOffsetMs (${config.clock.maxOffsetMs})` });
  }
  if (config.natsUrl === undefined && hasNatsAuth(config.nats)) {
    context.addIssue({
      code: 'custom',
      path: ['natsUrl'],
      message: 'NATS credentials are set but NATS_URL is not: they are for your own NATS servers (the embedded nats-server generates its own user)',
    });
  }
})
  // Values end up in stored rows (`committed_by`) and names; refuse NUL and unpaired surrogates.
  .superRefine(refuseUnstorable());
export type VigilConfig = z.infer<typeof configSchema>;

export { ConfigError };

/** Environment variable → config path. Numbers and booleans are parsed from their text. */
const environmentVariables: Record<string, { path: string[]; type: EnvironmentType }> = {
  VIGIL_NODE_ID: { path: ['nodeId'], type: 'string' },
  DATABASE_URL: { path: ['databaseUrl'], type: 'string' },
  NATS_URL: { path: ['natsUrl'], type: 'string' },
  NATS_CREDS: { path: ['nats', 'credsFile'], type: 'string' },
  NATS_USER: { path: ['nats', 'user'], type: 'string' },
  NATS_PASSWORD: { path: ['nats', 'password'], type: 'string' },
  NATS_TOKEN: { path: ['nats', 'token'], type: 'string' },
  NATS_NKEY_SEED: { path: ['nats', 'nkeySeed'], type: 'string' },
  NATS_NKEY_SEED_FILE: { path: ['nats', 'nkeySeedFile'], type: 'string' },
  NATS_INBOX_PREFIX: { path: ['nats', 'inboxPrefix'], type: 'string' },
  NATS_TLS_CA: { path: ['nats', 'tls', 'caFile'], type: 'string' },
  NATS_TLS_CERT: { path: ['nats', 'tls', 'certFile'], type: 'string' },
  NATS_TLS_KEY: { path: ['nats', 'tls', 'keyFile'], type: 'string' },
  VIGIL_DATA_DIR: { path: ['dataDir'], type: 'string' },
  VIGIL_SETUP_FILE: { path: ['setupFile'], type: 'string' },
  VIGIL_ADMIN_TOKEN: { path: ['adminToken'], type: 'string' },
  VIGIL_NAMESPACE: { path: ['namespace'], type: 'string' },
  VIGIL_HTTP_HOST: { path: ['http', 'host'], type: 'string' },
  VIGIL_HTTP_PORT: { path: ['http', 'port'], type: 'number' },
  VIGIL_MIGRATE_ON_START: { path: ['migrateOnStart'], type: 'boolean' },
  VIGIL_PASSIVATE_AFTER_MS: { path: ['timeouts', 'passivateAfterMs'], type: 'number' },
  VIGIL_COMMAND_TIMEOUT_MS: { path: ['timeouts', 'commandMs'], type: 'number' },
  VIGIL_TIMER_POLL_MS: { path: ['timeouts', 'timerPollMs'], type: 'number' },
  VIGIL_OUTBOX_POLL_MS: { path: ['timeouts', 'outboxPollMs'], type: 'number' },
  VIGIL_SHUTDOWN_TIMEOUT_MS: { path: ['timeouts', 'shutdownMs'], type: 'number' },
  VIGIL_LEASE_TTL_MS: { path: ['timeouts', 'leaseTtlMs'], type: 'number' },
  VIGIL_PARTITIONS: { path: ['partitions'], type: 'number' },
  VIGIL_RUN_RETENTION_MS: { path: ['automations', 'runRetentionMs'], type: 'number' },
  VIGIL_RUN_PRUNE_EVERY_MS: { path: ['automations', 'runPruneEveryMs'], type: 'number' },
  VIGIL_HISTORY_ENABLED: { path: ['history', 'enabled'], type: 'boolean' },
  VIGIL_HISTORY_RAW_RETENTION: { path: ['history', 'rawRetention'], type: 'duration' },
  VIGIL_HISTORY_HOURLY_RETENTION: { path: ['history', 'hourlyRetention'], type: 'duration' },
  VIGIL_HISTORY_DAILY_RETENTION: { path: ['history', 'dailyRetention'], type: 'duration' },
  VIGIL_HISTORY_MAINTENANCE_EVERY: { path: ['history', 'maintenanceEvery'], type: 'duration' },
  VIGIL_SATELLITE_MAX_CLOCK_AHEAD_MS: { path: ['satellites', 'maxClockAheadMs'], type: 'number' },
  VIGIL_SATELLITE_MAX_RESULT_AGE_MS: { path: ['satellites', 'maxResultAgeMs'], type: 'number' },
  VIGIL_SATELLITE_CREDENTIAL_RECHECK_MS: { path: ['satellites', 'credentialRecheckMs'], type: 'number' },
  VIGIL_SATELLITE_SESSION_SWEEP_MS: { path: ['satellites', 'sessionSweepMs'], type: 'number' },
  VIGIL_LIVE_SUBSCRIBE_TIMEOUT_MS: { path: ['liveStream', 'subscribeTimeoutMs'], type: 'number' },
  VIGIL_LIVE_TOKEN_RECHECK_MS: { path: ['liveStream', 'tokenRecheckMs'], type: 'number' },
  VIGIL_LIVE_MAX_BUFFERED_BYTES: { path: ['liveStream', 'maxBufferedBytes'], type: 'number' },
  VIGIL_CLOCK_WARN_OFFSET_MS: { path: ['clock', 'warnOffsetMs'], type: 'number' },
  VIGIL_MAX_CLOCK_OFFSET_MS: { path: ['clock', 'maxOffsetMs'], type: 'number' },
  VIGIL_DUPLICATE_WINDOW_MS: { path: ['duplicateWindowMs'], type: 'number' },
  VIGIL_STREAM_REPLICAS: { path: ['streamReplicas'], type: 'number' },
  VIGIL_LOG_LEVEL: { path: ['logLevel'], type: 'string' },
  VIGIL_STATUS_PAGE_TITLE: { path: ['statusPage', 'title'], type: 'string' },
  VIGIL_STATUS_PAGE_GROUPS: { path: ['statusPage', 'groupIds'], type: 'list' },
  VIGIL_STATUS_PAGE_CACHE_MS: { path: ['statusPage', 'cacheMs'], type: 'number' },
  VIGIL_METRICS_ALLOW: { path: ['metrics', 'allow'], type: 'list' },
};

/**
 * How a variable's text is read; `list` is comma separated (blanks around items and empty items
 * dropped); `duration` is left to the schema (`14d`, or a number of milliseconds).
 */
type EnvironmentType = 'string' | 'number' | 'boolean' | 'list' | 'duration';

function defaults(): VigilConfig {
  return {
    nodeId: `${hostname().replace(/[^A-Za-z0-9_\-]/g, '-').slice(0, 40)}-${process.pid}`,
    dataDir: '.vigil',
    nats: {},
    namespace: 'vigil',
    http: { host: '0.0.0.0', port: 8080 },
    migrateOnStart: true,
    secrets: {},
    timeouts: { passivateAfterMs: 60_000, commandMs: 10_000, timerPollMs: 1_000, outboxPollMs: 1_000, shutdownMs: 10_000, leaseTtlMs: 6_000 },
    partitions: 64,
    automations: { runRetentionMs: 30 * 24 * 60 * 60_000, runPruneEveryMs: 10 * 60_000 },
    history: { enabled: true, rawRetention: 14 * DAY, hourlyRetention: 90 * DAY, dailyRetention: 730 * DAY, maintenanceEvery: 3_600_000 },
    satellites: { maxClockAheadMs: 60_000, maxResultAgeMs: 24 * 60 * 60_000, credentialRecheckMs: 30_000, sessionSweepMs: 30_000 },
    liveStream: { subscribeTimeoutMs: 10_000, tokenRecheckMs: 15_000, maxBufferedBytes: 1024 * 1024 },
    clock: { warnOffsetMs: 100, maxOffsetMs: 500 },
    duplicateWindowMs: 5 * 60_000,
    streamReplicas: 1,
    metrics: { allow: [] },
    logLevel: 'info',
    statusPage: { title: 'Status', groupIds: [], cacheMs: 30_000 },
  };
}

/**
 * Builds and validates the config. Throws `ConfigError` whose message lists every bad value with
 * where it came from.
 */
/** `VIGIL_SECRET_<NAME>=value` defines the automation secret NAME. */
const SECRET_PREFIX = 'VIGIL_SECRET_';

export function loadConfig(env: NodeJS.ProcessEnv = process.env, configFile = env.VIGIL_CONFIG): VigilConfig {
  const merged: Record<string, unknown> = defaults() as unknown as Record<string, unknown>;
  if (configFile) deepMerge(merged, readConfigFile(configFile));
  const problems: string[] = [];
  for (const [name, { path, type }] of Object.entries(environmentVariables)) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    const value = parseEnvironmentValue(text, type);
    if (value === undefined) problems.push(`${name}=${JSON.stringify(text)}: expected a ${type}`);
    else setPath(merged, path, value);
  }
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(SECRET_PREFIX) || value === undefined) continue;
    setPath(merged, ['secrets', name.slice(SECRET_PREFIX.length)], value);
  }
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${describePath(issue.path)}: ${issue.message}`);
  }
  if (problems.length > 0 || !parsed.success) {
    throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return parsed.data;
}

function parseEnvironmentValue(text: string, type: EnvironmentType): unknown {
  if (type === 'string') return text;
  if (type === 'duration') return /^\d+$/.test(text) ? Number(text) : text;
  // Comma separated; blanks around items and empty items are dropped.
  if (type === 'list') return text.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (type === 'number') return /^-?\d+$/.test(text) ? Number(text) : undefined;
  if (['true', '1', 'yes'].includes(text)) return true;
  if (['false', '0', 'no'].includes(text)) return false;
  return undefined;
}

function describePath(path: PropertyKey[]): string {
  const dotted = path.join('.');
  // An item of a list (`metrics.allow.1`) names the list's variable.
  const variable = Object.entries(environmentVariables).find(([, spec]) => spec.path.join('.') === dotted || (spec.type === 'list' && dotted.startsWith(`${spec.path.join('.')}.`)))?.[0];
  return variable ? `${dotted} (${variable})` : dotted || '(root)';
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let cursor = target;
  for (const key of path.slice(0, -1)) {
    if (typeof cursor[key] !== 'object' || cursor[key] === null) cursor[key] = {};
    cursor = cursor[key] as Record<string, unknown>;
  }
  cursor[path[path.length - 1]!] = value;
}

function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (isPlainObject(value) && isPlainObject(existing)) deepMerge(existing, value);
    else target[key] = value;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
