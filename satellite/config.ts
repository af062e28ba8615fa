import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { logLevels } from './logger.ts';
import { agentSettings, type AgentSetting, type AgentSettingKey } from './settings.ts';

const configSchema = z.object({
  token: z.string().regex(/^[A-Za-z0-9_\-:@]{1,128}\.[A-Za-z0-9_-]{20,200}$/, 'expected <satelliteId>.<secret> as printed by `vigil satellite add`'),
  gateways: z.array(z.string().regex(/^wss?:\/\//, 'ws:// or wss:// URL')).min(1, 'at least one ws:// or wss:// URL'),
  heartbeatMs: z.coerce.number().int().min(1_000).default(15_000),
  maxBufferedResults: z.coerce.number().int().min(0).default(1_000),
  ackTimeoutMs: z.coerce.number().int().min(1_000).default(30_000),
  maxAuthFailures: z.coerce.number().int().min(1).max(1_000).default(5),
  logLevel: z.enum(logLevels).default('info'),
  summaryIntervalMs: z.coerce.number().int().refine((ms) => ms === 0 || ms >= 1_000, '0 (off) or at least 1000').default(60_000),
});

/** The agent's validated settings (see settings.ts for each one's meaning and default). */
export type AgentConfig = z.infer<typeof configSchema>;

/** What the command line and the environment ask for; a configuration error is data, not an exception. */
export type ConfigReading =
  | { kind: 'run'; config: AgentConfig }
  | { kind: 'help' }
  | { kind: 'version' }
  /** Each problem names the variable or flag it comes from, never a secret value. */
  | { kind: 'invalid'; problems: string[] };

type ValueKey = Exclude<AgentSettingKey, 'token' | 'tokenFile'>;
const valueKeys = Object.keys(agentSettings).filter((key) => key !== 'token' && key !== 'tokenFile') as ValueKey[];
const flagOf = (key: AgentSettingKey) => `--${(agentSettings[key] as AgentSetting).flag}`;

/**
 * Reads the agent's settings from `argv` (without the program) and `env`: a flag overrides its
 * variable, an empty variable counts as unset. The token comes from `VIGIL_SATELLITE_TOKEN`, or a
 * file named by `--token-file` or `VIGIL_SATELLITE_TOKEN_FILE`, never from a flag.
 */
export function readConfig(argv: string[], env: NodeJS.ProcessEnv, readTextFile: (path: string) => string = (path) => readFileSync(path, 'utf8')): ConfigReading {
  const flags = readFlags(argv);
  if ('problems' in flags) return { kind: 'invalid', problems: flags.problems };
  if (flags.help) return { kind: 'help' };
  if (flags.version) return { kind: 'version' };

  // Where each value came from, so an error names what the operator actually set.
  const sources: Partial<Record<AgentSettingKey, string>> = {};
  const raw: Record<string, unknown> = {};
  for (const key of valueKeys) {
    const setting: AgentSetting = agentSettings[key];
    const fromFlag = flags.values[setting.flag!];
    const fromEnv = env[setting.env] || undefined;
    sources[key] = fromFlag !== undefined ? flagOf(key) : setting.env;
    raw[key] = fromFlag ?? fromEnv;
  }
  const gatewayTexts = flags.values.gateways ?? (env.VIGIL_GATEWAYS ? [env.VIGIL_GATEWAYS] : []);
  raw.gateways = [gatewayTexts].flat().flatMap((text) => text.split(',')).map((url) => url.trim()).filter(Boolean);

  const token = readToken(flags.values['token-file'], env, readTextFile);
  const problems: string[] = [];
  if ('problem' in token) problems.push(token.problem);
  else {
    raw.token = token.token;
    sources.token = token.source;
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0]) as AgentSettingKey;
      if (key === 'token' && 'problem' in token) continue; // already said why there is no token
      problems.push(`${sources[key] ?? key}: ${issue.message}`);
    }
  }
  return problems.length > 0 || !parsed.success ? { kind: 'invalid', problems } : { kind: 'run', config: parsed.data };
}

type FlagValues = Record<string, string | string[] | undefined>;

/** The flags, checked by hand so that no error message ever repeats a value (it could be a token). */
function readFlags(argv: string[]): { help: boolean; version: boolean; values: FlagValues } | { problems: string[] } {
  const stringFlags = Object.values(agentSettings as Record<string, AgentSetting>).flatMap((setting) => (setting.flag ? [setting.flag] : []));
  const options = Object.fromEntries(stringFlags.map((flag) => [flag, { type: 'string' as const, multiple: flag === 'gateways' }]));
  const { values, tokens } = parseArgs({
    args: argv,
    options: { ...options, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const problems: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') problems.push('vigil-satellite takes no arguments, only options (see --help)');
    if (token.kind !== 'option') continue;
    if (token.name === 'token') {
      problems.push('--token is not accepted: the command line is visible to every user (ps); put the token in VIGIL_SATELLITE_TOKEN or a file named by --token-file');
    } else if (token.name === 'help' || token.name === 'version') {
      if (token.value !== undefined) problems.push(`${token.rawName} takes no value`);
    } else if (!stringFlags.includes(token.name)) {
      problems.push(`unknown option ${token.rawName} (see --help)`);
    } else if (token.value === undefined || (!token.inlineValue && token.value.startsWith('-'))) {
      problems.push(`${token.rawName} needs a value (write ${token.rawName}=<value> for one that starts with -)`);
    }
  }
  if (problems.length > 0) return { problems: [...new Set(problems)] };
  return { help: values.help === true, version: values.version === true, values: values as FlagValues };
}

/** The token, from the file named by the flag, else from the file named by the variable, else the variable. */
function readToken(fileFlag: string | string[] | undefined, env: NodeJS.ProcessEnv, readTextFile: (path: string) => string): { token: string; source: string } | { problem: string } {
  const fileVariable = agentSettings.tokenFile.env;
  const tokenVariable = agentSettings.token.env;
  if (fileFlag === undefined && env[fileVariable] && env[tokenVariable]) {
    return { problem: `${tokenVariable} and ${fileVariable} are both set: set one of them` };
  }
  const file = typeof fileFlag === 'string' ? { path: fileFlag, source: `--token-file` } : env[fileVariable] ? { path: env[fileVariable], source: fileVariable } : undefined;
  if (!file) {
    const token = env[tokenVariable];
    if (!token) return { problem: `${tokenVariable} is not set (the token printed by \`vigil satellite add\`), nor ${fileVariable} or --token-file` };
    return { token, source: tokenVariable };
  }
  let text: string;
  try {
    text = readTextFile(file.path);
  } catch (error) {
    return { problem: `${file.source}: cannot read ${file.path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
  const token = text.trim();
  if (token === '') return { problem: `${file.source}: ${file.path} is empty` };
  return { token, source: `${file.source} (${file.path})` };
}
