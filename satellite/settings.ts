/**
 * Every setting of the agent in one table: its environment variable, its flag, its default and
 * what it does. The configuration reader (config.ts), `--help` and docs/SATELLITE.md (checked by
 * test/docs/satellite-doc.test.ts) all follow it, so a setting cannot exist in one and not another.
 */
export interface AgentSetting {
  /** The environment variable. */
  readonly env: string;
  /**
   * The command-line flag, without `--`. The token has none on purpose: the command line of every
   * process is visible to every user of the machine (`ps`), so the secret comes from the
   * environment or a file only.
   */
  readonly flag?: string;
  /** What the value looks like, for the help text. */
  readonly value: string;
  /** The default, as text; none for a required setting. */
  readonly default?: string;
  readonly description: string;
}

export const agentSettings = {
  gateways: {
    env: 'VIGIL_GATEWAYS',
    flag: 'gateways',
    value: '<urls>',
    description: 'required: comma-separated ws:// or wss:// base URLs of Vigil nodes, tried in turn (the flag may be repeated)',
  },
  token: {
    env: 'VIGIL_SATELLITE_TOKEN',
    value: '<id>.<secret>',
    description: 'the token printed by `vigil satellite add` (no flag: the command line is visible in `ps`); required unless a token file is given',
  },
  tokenFile: {
    env: 'VIGIL_SATELLITE_TOKEN_FILE',
    flag: 'token-file',
    value: '<path>',
    description: 'a file holding the token (surrounding whitespace ignored), read once at start; instead of VIGIL_SATELLITE_TOKEN',
  },
  heartbeatMs: {
    env: 'VIGIL_SATELLITE_HEARTBEAT_MS',
    flag: 'heartbeat-ms',
    value: '<ms>',
    default: '15000',
    description: 'how often the agent sends a heartbeat (at least 1000)',
  },
  maxBufferedResults: {
    env: 'VIGIL_SATELLITE_MAX_BUFFERED_RESULTS',
    flag: 'max-buffered-results',
    value: '<count>',
    default: '1000',
    description: 'results kept until Vigil acknowledges them, also while disconnected; beyond it the oldest is dropped',
  },
  ackTimeoutMs: {
    env: 'VIGIL_SATELLITE_ACK_TIMEOUT_MS',
    flag: 'ack-timeout-ms',
    value: '<ms>',
    default: '30000',
    description: 'a sent result not acknowledged within this long is sent again (at least 1000)',
  },
  maxAuthFailures: {
    env: 'VIGIL_SATELLITE_MAX_AUTH_FAILURES',
    flag: 'max-auth-failures',
    value: '<count>',
    default: '5',
    description: 'refusals of the token in a row (HTTP 401 or close 4401) after which the agent exits with code 3 (1 to 1000)',
  },
  logLevel: {
    env: 'VIGIL_SATELLITE_LOG_LEVEL',
    flag: 'log-level',
    value: '<level>',
    default: 'info',
    description: 'debug, info, warn or error; debug adds one line per check result',
  },
  summaryIntervalMs: {
    env: 'VIGIL_SATELLITE_SUMMARY_INTERVAL_MS',
    flag: 'summary-interval-ms',
    value: '<ms>',
    default: '60000',
    description: 'how often an info line sums up the period (checks, results, connection); 0 turns it off, else at least 1000',
  },
} as const satisfies Record<string, AgentSetting>;

export type AgentSettingKey = keyof typeof agentSettings;

/** The text of `vigil-satellite --help`. */
export function usage(version: string): string {
  const settings = Object.values(agentSettings) as AgentSetting[];
  const lines = settings.map((setting) => {
    const flag = setting.flag ? `--${setting.flag} ${setting.value}` : `(no flag) ${setting.value}`;
    const fallback = setting.default === undefined ? '' : ` (default ${setting.default})`;
    return `  ${flag.padEnd(34)}${setting.env}${fallback}\n      ${setting.description}`;
  });
  return [
    `vigil-satellite ${version}: the Vigil satellite agent. It connects out to a Vigil gateway with its`,
    'token, runs the checks assigned to it and reports their results.',
    '',
    'Usage: vigil-satellite [options]',
    '',
    'Every setting is an environment variable or a flag; a flag overrides its variable.',
    '',
    ...lines,
    `  ${'-h, --help'.padEnd(34)}print this text`,
    `  ${'-v, --version'.padEnd(34)}print the version`,
    '',
    'Logs: one JSON object per line on stdout ({"level","time","msg",...fields}).',
    'Exit codes: 0 stopped by SIGTERM or SIGINT (or --help, --version), 2 invalid configuration,',
    '3 the token was refused VIGIL_SATELLITE_MAX_AUTH_FAILURES times in a row.',
    '',
  ].join('\n');
}
