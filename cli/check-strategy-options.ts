import { readFileSync } from 'node:fs';
import { z } from 'zod';
// Straight from their files, not protocol/index.ts: the CLI must start fast.
import { dnsRecordTypes, httpMethods } from '../protocol/check-strategy.ts';
import { formatDuration } from '../protocol/duration.ts';
import { UsageError } from './exit.ts';
import { durationSchema, hostPortSchema, statusSetOptionSchema } from './option-schemas.ts';

// The options of `vigil check add|update` that say how a check runs, turned into a strategy (see
// protocol/check-strategy.ts). One of --http, --tcp, --dns, --tls, --push or --strategy picks the kind; the
// other options belong to kinds and are refused with any other. Values are shaped here (exit code
// 2); the cluster judges the strategy itself (INVALID_EVENT, exit code 1).

const wholeNumber = (hint: string) => z.string().regex(/^\d{1,6}$/, hint).transform(Number);

/** `Name: value` → `[name, value]`. */
const headerSchema = z.string().transform((text, context) => {
  const colon = text.indexOf(':');
  if (colon < 1) {
    context.addIssue({ code: 'custom', message: "expected 'Name: value', such as 'Authorization: Bearer ${env:API_TOKEN}'", input: text });
    return z.NEVER;
  }
  return [text.slice(0, colon).trim(), text.slice(colon + 1).trim()] as const;
});

/** `$.status=ok`, `$.count=3` (a JSON value: number, true, false, null, "a string"; other text is a string), or just `$.status` (must exist). */
const jsonPathSchema = z.string().transform((text) => {
  const equals = splitAtEquals(text);
  if (!equals) return { path: text };
  const [path, value] = equals;
  let parsed: unknown = value;
  try {
    parsed = JSON.parse(value);
  } catch {
    // not JSON: the text itself
  }
  return { path, equals: parsed !== null && typeof parsed === 'object' ? value : parsed };
});

/** `[path, value]` split at the first `=` outside brackets and quotes, or null. */
function splitAtEquals(text: string): [string, string] | null {
  let quote = '';
  let depth = 0;
  for (let index = 0; index < text.length; index++) {
    const character = text[index]!;
    if (quote) {
      if (character === '\\') index++;
      else if (character === quote) quote = '';
    } else if (character === "'" || character === '"') quote = character;
    else if (character === '[') depth++;
    else if (character === ']') depth--;
    else if (character === '=' && depth === 0) return [text.slice(0, index), text.slice(index + 1)];
  }
  return null;
}

/** `host`, `host:port`, `[::1]:8443` → `{ host, port? }`. */
const tlsTargetSchema = z.string().transform((text, context) => {
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:[\]]+)(?::(\d+))?$/.exec(text);
  const port = match?.[2] === undefined ? undefined : Number(match[2]);
  if (!match || (port !== undefined && (port < 1 || port > 65_535))) {
    context.addIssue({ code: 'custom', message: 'expected host or host:port, such as shop.example or shop.example:8443', input: text });
    return z.NEVER;
  }
  return { host: match[1]!, ...(port !== undefined ? { port } : {}) };
});

/** Text, or `@path`: the file's content. */
function textOrFile(value: string, option: string): string {
  if (!value.startsWith('@')) return value;
  try {
    return readFileSync(value.slice(1), 'utf8');
  } catch (error) {
    throw new UsageError(`option '${option}': cannot read ${value.slice(1)}: ${(error as Error).message}`);
  }
}

export const strategyOptionsSchema = z.object({
  strategy: z.string().optional(),
  http: z.string().optional(),
  tcp: hostPortSchema.optional(),
  dns: z.string().optional(),
  tls: tlsTargetSchema.optional(),
  timeout: durationSchema.optional(),
  // http
  method: z
    .string()
    .transform((text) => text.toUpperCase())
    .pipe(z.enum(httpMethods, { error: `expected ${httpMethods.join(', ')}` }))
    .optional(),
  expect: statusSetOptionSchema.optional(),
  header: z.array(headerSchema).optional(),
  body: z.string().optional(),
  maxResponseTime: durationSchema.optional(),
  contains: z.string().optional(),
  notContains: z.string().optional(),
  jsonPath: z.array(jsonPathSchema).optional(),
  followRedirects: z.boolean().optional(),
  maxRedirects: wholeNumber('expected a whole number such as 5').optional(),
  // http and tls
  minDays: wholeNumber('expected a whole number of days such as 14').optional(),
  acceptInvalidCertificates: z.boolean().optional(),
  // tls
  servername: z.string().optional(),
  // dns
  recordType: z
    .string()
    .transform((text) => text.toUpperCase())
    .pipe(z.enum(dnsRecordTypes, { error: `expected ${dnsRecordTypes.join(', ')}` }))
    .optional(),
  resolver: z.string().optional(),
  answer: z.array(z.string()).optional(),
  match: z.enum(['contains', 'exact']).optional(),
  // push
  push: z.boolean().optional(),
  period: durationSchema.optional(),
  // 0: a ping is missed as soon as its period is over.
  grace: z.union([z.literal('0').transform(() => 0), durationSchema]).optional(),
});
export type StrategyOptions = z.output<typeof strategyOptionsSchema>;

const KIND_FLAGS = ['http', 'tcp', 'dns', 'tls', 'push', 'strategy'] as const;
/** The options each kind takes besides its own flag (and --timeout, which all take). */
const KIND_OPTIONS: Record<(typeof KIND_FLAGS)[number], ReadonlyArray<keyof StrategyOptions>> = {
  http: ['method', 'expect', 'header', 'body', 'maxResponseTime', 'contains', 'notContains', 'jsonPath', 'followRedirects', 'maxRedirects', 'minDays', 'acceptInvalidCertificates'],
  tls: ['servername', 'minDays', 'acceptInvalidCertificates'],
  dns: ['recordType', 'resolver', 'answer', 'match'],
  tcp: [],
  push: ['period', 'grace'],
  strategy: [],
};
const flagOf = (option: string) => `--${option.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;

/** Whether the options give a strategy (one of the kind flags). */
export function givesStrategy(options: StrategyOptions): boolean {
  return KIND_FLAGS.some((flag) => options[flag] !== undefined);
}

/**
 * The strategy the options describe, or undefined when they name no kind. Throws `UsageError` for
 * two kinds at once, an option of another kind, or a kind's option without its kind.
 */
export function strategyOf(options: StrategyOptions): Record<string, unknown> | undefined {
  const kinds = KIND_FLAGS.filter((flag) => options[flag] !== undefined);
  const given = (Object.keys(KIND_OPTIONS) as Array<keyof typeof KIND_OPTIONS>).flatMap((kind) => KIND_OPTIONS[kind]).filter((option) => options[option] !== undefined);
  if (kinds.length > 1) throw new UsageError(`${kinds.map(flagOf).join(' and ')} exclude each other: give one`);
  const kind = kinds[0];
  if (kind === undefined) {
    if (given.length > 0 || options.timeout !== undefined) {
      throw new UsageError(`${flagOf(given[0] ?? 'timeout')} goes with --http, --tcp, --dns or --tls (the strategy is given whole, also on update)`);
    }
    return undefined;
  }
  const foreign = given.find((option) => !KIND_OPTIONS[kind].includes(option));
  if (foreign) {
    const owners = KIND_FLAGS.filter((flag) => KIND_OPTIONS[flag].includes(foreign)).map(flagOf).join(' or ');
    throw new UsageError(`${flagOf(foreign)} goes with ${owners}, not ${flagOf(kind)}`);
  }
  if (kind === 'strategy') {
    if (options.timeout !== undefined) throw new UsageError('--timeout goes in the --strategy JSON (timeoutMs)');
    return parseStrategyJson(textOrFile(options.strategy!, '--strategy <json|@file>'));
  }
  if (kind === 'push') {
    if (options.timeout !== undefined) throw new UsageError('--timeout goes with --http, --tcp, --dns or --tls: a push check runs nothing');
    if (options.period === undefined) throw new UsageError('--push needs --period <duration>: how often the job pings');
    return { kind: 'push', periodMs: options.period, ...(options.grace !== undefined ? { graceMs: options.grace } : {}) };
  }
  const timeout = options.timeout === undefined ? {} : { timeoutMs: options.timeout };
  const set = <T>(name: string, value: T | undefined) => (value === undefined ? {} : { [name]: value });
  switch (kind) {
    case 'http':
      return {
        kind: 'http',
        url: options.http,
        ...set('method', options.method),
        ...set('headers', options.header && Object.fromEntries(options.header)),
        ...set('body', options.body === undefined ? undefined : textOrFile(options.body, '--body <text|@file>')),
        ...set('expectedStatus', options.expect),
        ...set('maxResponseTimeMs', options.maxResponseTime),
        ...set('bodyContains', options.contains),
        ...set('bodyNotContains', options.notContains),
        ...set('jsonAssertions', options.jsonPath),
        ...set('followRedirects', options.followRedirects),
        ...set('maxRedirects', options.maxRedirects),
        ...set('certificateMinDaysLeft', options.minDays),
        ...set('acceptInvalidCertificates', options.acceptInvalidCertificates),
        ...timeout,
      };
    case 'tcp':
      return { kind: 'tcp', ...options.tcp, ...timeout };
    case 'tls':
      return {
        kind: 'tls',
        ...options.tls,
        ...set('servername', options.servername),
        ...set('certificateMinDaysLeft', options.minDays),
        ...set('acceptInvalidCertificates', options.acceptInvalidCertificates),
        ...timeout,
      };
    case 'dns':
      return {
        kind: 'dns',
        name: options.dns,
        ...set('recordType', options.recordType),
        ...set('resolver', options.resolver),
        ...set('expectedAnswers', options.answer),
        ...set('match', options.match),
        ...timeout,
      };
  }
}

function parseStrategyJson(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`option '--strategy <json|@file>': not JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UsageError("option '--strategy <json|@file>': expected a JSON object such as {\"kind\":\"dns\",\"name\":\"shop.example\"}");
  return value as Record<string, unknown>;
}

/** One line saying what a stored strategy probes: `GET https://…`, `tcp db:5432`, `dns MX shop.example`, `tls shop.example:443`. */
export function describeStrategy(strategy: Record<string, unknown>): string {
  switch (strategy.kind) {
    case 'http':
      return `${String(strategy.method)} ${String(strategy.url)}`;
    case 'dns':
      return `dns ${String(strategy.recordType)} ${String(strategy.name)}${strategy.resolver ? ` @${String(strategy.resolver)}` : ''}`;
    case 'tcp':
    case 'tls':
      return `${strategy.kind} ${String(strategy.host)}:${String(strategy.port)}`;
    case 'push':
      return `push every ${formatDuration(Number(strategy.periodMs))} (grace ${formatDuration(Number(strategy.graceMs))})`;
    default:
      return String(strategy.kind);
  }
}
