import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../actors/errors.ts';
import { partitionOf } from '../../actors/placement/partitioning.ts';
import { Placement, type PlacementOptions } from '../../actors/placement/placement.ts';
import { checkStrategySchema } from '../../protocol/check-strategy.ts';
import { checkErrorKindSchema } from '../../protocol/check-result.ts';
import { gatewayMessageSchema, resultRefusalCodeSchema, satelliteMessageSchema, SatelliteCloseCode } from '../../protocol/satellite-protocol.ts';
import { LiveStreamCloseCode, liveServerFrameSchema, liveSubscribeSchema, MAX_FILTER_IDS } from '../../protocol/live-stream-protocol.ts';
import { leaseValueSchema, memberValueSchema } from '../../bus/cluster-bucket.ts';
import { subjectsFor } from '../../bus/subjects.ts';
import {
  changedFieldsOf,
  deriveTriggers,
  entityChangeSchema,
  entityDefinitions,
  entityKinds,
  firedTriggerSchema,
  getEntityDefinition,
  getTrigger,
  listTriggers,
  triggerMessageSchema,
  type EntityChange,
  type TriggerMessage,
} from '../../machines/index.ts';
import { loadConfig } from '../../node/config.ts';
import { statusPageSchema } from '../../gateway/status-page.ts';
import { slackMessage } from '../../automations/actions/notify-slack.action.ts';
import { defaultWebhookData, notificationEnvelopeSchema } from '../../automations/actions/notify-webhook.action.ts';

/**
 * Keeps docs/PROTOCOL.md honest: every name the code puts on the wire must be documented, and every
 * JSON example in the document must match the schemas and the trigger derivers. No servers needed.
 */
const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const doc = read('docs/PROTOCOL.md');

/** The codes of `RuntimeErrorCode` (a type, so not enumerable at runtime); checked against the source below. */
const runtimeErrorCodes = [
  'UNKNOWN_KIND',
  'INVALID_ID',
  'INVALID_EVENT',
  'EVENT_NOT_ALLOWED',
  'MACHINE_FAILED',
  'VERSION_CONFLICT',
  'NOT_OWNER',
  'TIMEOUT',
  'DEADLINE_EXCEEDED',
  'UNAVAILABLE',
  'STOPPING',
];

const code = (text: string) => '`' + text + '`';

/** The text of the section that starts with `heading` and ends at the next heading of the same or higher level. */
function section(heading: string): string {
  const start = doc.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`docs/PROTOCOL.md has no heading "${heading}"`);
  const level = heading.match(/^#+/)![0].length;
  const rest = doc.slice(start + heading.length + 2);
  const next = rest.search(new RegExp(`\\n#{1,${level}} `));
  return next < 0 ? rest : rest.slice(0, next);
}

/** The table row of the document whose first cell is `first`. */
function tableRow(first: string): string | undefined {
  return doc.split('\n').find((line) => line.startsWith(`| ${first} |`));
}

function allMatches(text: string, pattern: RegExp): string[] {
  return [...text.matchAll(pattern)].map((match) => match[1]!);
}

/** A number as the document may write it: 300000, 300 000 or 300,000. */
function numberPattern(value: number): RegExp {
  const grouped = value.toLocaleString('en-US').split(',').join('[ ,\\u202f]?');
  return new RegExp(`(^|[^0-9])${grouped}([^0-9]|$)`);
}

/** The object shape of a zod schema, through optional/default/prefault/nullable wrappers. */
function shapeOf(schema: unknown): Record<string, unknown> | undefined {
  let current = schema as { shape?: Record<string, unknown>; _zod?: { def?: { innerType?: unknown } } } | undefined;
  for (let depth = 0; current && depth < 10; depth++) {
    if (current.shape) return current.shape;
    current = current._zod?.def?.innerType as typeof current;
  }
  return undefined;
}

interface EventOption {
  shape: Record<string, unknown> & { type: { value: string } };
}
// The definition's schema is the kind's union behind the storable-text check (a zod pipe).
const eventOptions = (kind: string): EventOption[] =>
  (getEntityDefinition(kind)!.eventSchema as unknown as { _zod: { def: { out: { options: EventOption[] } } } })._zod.def.out.options;

const jsonBlocks = allMatches(doc, /```json\n([\s\S]*?)\n```/g);

/** The fields of a history row, as `TransitionStore.history()` maps them (what `/history` returns). */
const historyFields = (() => {
  const source = read('persistence/transition-store.ts');
  const body = source.slice(source.indexOf('async history('));
  const mapping = body.match(/rows\.map\(\(row\) => \(\{([\s\S]*?)\}\)\)/);
  if (!mapping) throw new Error('history() mapping not found in persistence/transition-store.ts');
  return allMatches(mapping[1]!, /^\s*(\w+):/gm);
})();

/** Every source file of the gateway (routes are declared in several). */
function gatewaySources(): string[] {
  return readdirSync(new URL('../../gateway/', import.meta.url)).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts')).map((name) => read(`gateway/${name}`));
}

describe('docs/PROTOCOL.md covers the wire names in the code', () => {
  it('has every trigger, with its display name, category, contextKey and payload fields', () => {
    const triggers = listTriggers();
    expect(triggers.length).toBeGreaterThan(0);
    for (const trigger of triggers) {
      const text = section(`### ${code(trigger.id)}`);
      expect(text, trigger.id).toContain(trigger.displayName);
      expect(text, trigger.id).toContain(code(trigger.contextKey));
      for (const field of Object.keys(trigger.payloadJsonSchema.properties as Record<string, unknown>)) {
        expect(text, `${trigger.id} payload field ${field}`).toContain(code(field));
      }
      const row = tableRow(code(trigger.id));
      expect(row, `summary row of ${trigger.id}`).toBeDefined();
      expect(row).toContain(trigger.category);
      expect(row).toContain(code(trigger.contextKey));
    }
  });

  it('has every entity kind with every event type, event field and reactive state field', () => {
    expect(entityKinds.length).toBeGreaterThan(0);
    for (const kind of entityKinds) {
      const text = section(`### Kind ${code(kind)}`);
      const definition = entityDefinitions[kind];
      const options = eventOptions(kind);
      expect(options.length, kind).toBeGreaterThan(0);
      for (const option of options) {
        const type = option.shape.type.value;
        expect(text, `${kind} event ${type}`).toContain(code(type));
        for (const [field, fieldSchema] of Object.entries(option.shape)) {
          if (field === 'type') continue;
          expect(text, `${kind} ${type}.${field}`).toContain(code(field));
          for (const nested of Object.keys(shapeOf(fieldSchema) ?? {})) {
            expect(text, `${kind} ${type}.${field}.${nested}`).toContain(code(`${field}.${nested}`));
          }
        }
      }
      for (const type of definition.internalEventTypes) {
        expect(text, `${kind} internal event ${type}`).toMatch(new RegExp(`${code(type)}[^\\n]*internal|internal[^\\n]*${code(type)}`));
      }
      for (const field of Object.keys(shapeOf(definition.stateSchema) ?? {})) {
        expect(text, `${kind} state field ${field}`).toContain(code(field));
      }
      expect(tableRow(code('kind')), `kind ${kind} in the change's field table`).toContain(code(kind));
    }
  });

  it('has every check strategy with its fields, every error kind, and every value the agent measures', () => {
    const text = section('### Check strategies');
    for (const option of checkStrategySchema.options) {
      const kind = option.shape.kind.value;
      expect(text, `kind ${kind}`).toContain(`**${code(kind)}**`);
      for (const field of Object.keys(option.shape)) if (field !== 'kind') expect(text, `${kind}.${field}`).toContain(code(field));
    }
    for (const kind of checkErrorKindSchema.options) expect(tableRow(code(kind)) ?? text, `error kind ${kind}`).toContain(code(kind));
    const runners = readdirSync(new URL('../../satellite/checks/', import.meta.url)).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'));
    const measured = runners.flatMap((name) => allMatches(read(`satellite/checks/${name}`), /measure\('([A-Za-z]\w*)'/g));
    expect(measured.length).toBeGreaterThan(10);
    for (const name of measured) expect(text, `measured ${name}`).toContain(code(name));
  });

  it('has every RuntimeErrorCode (the list above matches actors/errors.ts) and every other wire error code', () => {
    const source = read('actors/errors.ts');
    const union = source.match(/export type RuntimeErrorCode =([^;]*);/);
    expect(union, 'RuntimeErrorCode union in actors/errors.ts').not.toBeNull();
    expect(allMatches(union![1]!, /'([A-Z_]+)'/g).sort()).toEqual([...runtimeErrorCodes].sort());
    const extra = [
      ...allMatches(read('actors/command-listener.ts'), /failure\('([A-Z_]+)'/g),
      ...allMatches(read('gateway/http-server.ts'), /code: '([A-Z_]+)'/g),
      ...allMatches(read('gateway/http-errors.ts'), /^  ([A-Z_]+): \d{3},$/gm),
      ...allMatches(read('auth/errors.ts'), /new AuthError\('([A-Z_]+)'/g),
    ];
    for (const errorCode of new Set([...runtimeErrorCodes, ...extra])) {
      expect(tableRow(code(errorCode)), `error table row for ${errorCode}`).toBeDefined();
    }
  });

  it('gives each error code the HTTP status the gateway answers', () => {
    const block = read('gateway/http-errors.ts').match(/const statusOf[^{]*\{([^}]*)\}/);
    expect(block, 'statusOf in gateway/http-errors.ts').not.toBeNull();
    const statuses = [...block![1]!.matchAll(/([A-Z_]+): (\d{3})/g)];
    expect(statuses.map((match) => match[1])).toEqual(expect.arrayContaining([...runtimeErrorCodes, 'UNAUTHENTICATED', 'FORBIDDEN']));
    for (const [, errorCode, status] of statuses) {
      expect(tableRow(code(errorCode!))?.split('|')[2], errorCode).toContain(status);
    }
  });

  it('has every subject, filter, stream, durable, queue group and message id of subjectsFor("vigil")', () => {
    const s = subjectsFor('vigil');
    const version = '<version>' as unknown as number;
    const names = [
      s.entity('<kind>', '<id>'),
      s.entityFilter(),
      s.entityFilter('<kind>'),
      s.trigger('<triggerId>'),
      s.triggerFilter(),
      s.command('<kind>', '<id>'),
      s.commandFilter(),
      s.nodeCommand('<nodeId>', '<kind>', '<id>'),
      s.nodeCommandFilter('<nodeId>'),
      s.parked('<group>'),
      s.parkedFilter(),
      s.durable('<group>'),
      s.changeMessageId('<kind>', '<id>', version),
      s.triggerMessageId('<kind>', '<id>', version, '<triggerId>'),
      ...Object.values(s.streams),
    ];
    for (const name of names) expect(doc, name).toContain(code(name));
    expect(Object.values(s.streams).sort()).toEqual(['VIGIL_ENTITY', 'VIGIL_PARKED', 'VIGIL_TRIGGER']);
    for (const stream of ['VIGIL_ENTITY', 'VIGIL_TRIGGER', 'VIGIL_PARKED']) expect(tableRow(code(stream)), stream).toBeDefined();
    // The generic forms with <ns> / <NS>.
    const generic = subjectsFor('<ns>');
    for (const name of [
      generic.entity('<kind>', '<id>'),
      generic.trigger('<triggerId>'),
      generic.command('<kind>', '<id>'),
      generic.nodeCommand('<nodeId>', '<kind>', '<id>'),
      generic.parked('<group>'),
      generic.durable('<group>'),
    ]) {
      expect(doc, name).toContain(code(name));
    }
    for (const suffix of ['_ENTITY', '_TRIGGER', '_PARKED']) expect(doc).toContain(code(`<NS>${suffix}`));
    // Both command subjects have a row in the subjects table.
    expect(tableRow(code(s.command('<kind>', '<id>')))).toBeDefined();
    expect(tableRow(code(s.nodeCommand('<nodeId>', '<kind>', '<id>')))).toBeDefined();
    expect(tableRow(code(s.nodeCommandFilter('<nodeId>')))).toBeDefined();
    const queue = read('actors/command-listener.ts').match(/queue: `\$\{[^}]*namespace\}([^`]*)`/);
    expect(queue, 'command queue group in actors/command-listener.ts').not.toBeNull();
    expect(doc).toContain(code(`vigil${queue![1]}`));
    expect(doc).toContain(code(`<ns>${queue![1]}`));
  });

  it('has every header the code sets or reads', () => {
    const parked = allMatches(read('bus/consumers.ts'), /\.set\('([^']+)'/g);
    const command = allMatches(read('actors/command-listener.ts'), /headers\?\.get\('([^']+)'\)/g);
    expect(parked).toContain('Vigil-Original-Subject');
    expect(command.sort()).toEqual(['Authorization', 'Vigil-Actor', 'Vigil-Command-Id', 'Vigil-Deadline', 'Vigil-Run-Id']);
    for (const header of ['Nats-Msg-Id', 'Vigil-Actor', 'Vigil-Run-Id', 'Vigil-Original-Subject', ...parked, ...command]) {
      expect(tableRow(code(header)), `header table row for ${header}`).toBeDefined();
    }
    const routeHeaders = gatewaySources().flatMap((source) => allMatches(source, /headers: z\.object\(\{\s*'([^']+)'/g));
    expect(routeHeaders).toContain('vigil-command-id');
    for (const header of [...allMatches(read('gateway/api-router.ts'), /getHeader\('([^']+)'\)/g), ...routeHeaders]) {
      expect(doc.toLowerCase(), `HTTP header ${header}`).toContain(code(header.toLowerCase()));
    }
    expect(read('bus/publisher.ts')).toContain('msgID');
  });

  it('has the cluster bucket, its keys and the fields of their values', () => {
    const source = read('bus/cluster-bucket.ts');
    expect(source, 'bus/cluster-bucket.ts names its bucket from subjectsFor').toContain('bus.subjects.clusterBucket');
    expect(subjectsFor('<ns>').clusterBucket.startsWith('<ns>')).toBe(true);
    const suffix = subjectsFor('<ns>').clusterBucket.slice('<ns>'.length);
    expect(suffix).toBe('_cluster');
    for (const name of [`vigil${suffix}`, `<ns>${suffix}`, `KV_vigil${suffix}`, `KV_<ns>${suffix}`]) expect(doc, name).toContain(code(name));
    // Key prefixes the code writes (`members.${…}`) and reads (startsWith('members.')).
    const written = new Set(allMatches(source, /`([a-z]+\.)\$\{/g));
    const readBack = new Set(allMatches(source, /startsWith\('([a-z]+\.)'\)/g));
    expect([...written].sort()).toEqual(['members.', 'partitions.']);
    expect([...readBack].sort()).toEqual([...written].sort());
    const rows = { 'members.': tableRow(code('members.<nodeId>')), 'partitions.': tableRow(code('partitions.<n>')) };
    const shapes = { 'members.': memberValueSchema.shape, 'partitions.': leaseValueSchema.shape };
    for (const prefix of written) {
      const row = rows[prefix as keyof typeof rows];
      expect(row, `key table row for ${prefix}`).toBeDefined();
      for (const field of Object.keys(shapes[prefix as keyof typeof shapes])) expect(row, `${prefix} value field ${field}`).toContain(`"${field}"`);
    }
  });

  it('has every satellite close code and result refusal code', () => {
    const closeCodes = Object.entries(SatelliteCloseCode).filter(([, value]) => typeof value === 'number');
    expect(closeCodes.length).toBeGreaterThan(0);
    for (const [name, value] of closeCodes) expect(tableRow(String(value)), `close code ${value}`).toContain(code(name));
    for (const refusal of resultRefusalCodeSchema.options) expect(tableRow(code(refusal)), `refusal code ${refusal}`).toBeDefined();
    expect(doc).toContain(code(subjectsFor('vigil').satelliteCredential('<satelliteId>')));
    expect(doc).toContain(code(subjectsFor('vigil').satelliteSession('<satelliteId>')));
  });

  it('has the live stream: its path, close codes, frame types, subscribe fields and limits', () => {
    const text = section('## Live stream');
    expect(text).toContain(code('ws://<node>:<http port>/stream/v1'));
    expect(tableRow(code('GET /stream/v1'))).toBeDefined();
    const rows = text.split('\n').filter((line) => /^\| \d{4} \|/.test(line));
    const closeCodes = Object.entries(LiveStreamCloseCode).filter(([, value]) => typeof value === 'number');
    expect(closeCodes.length).toBeGreaterThan(0);
    for (const [name, value] of closeCodes) expect(rows.find((row) => row.startsWith(`| ${value} |`)), `live close code ${value}`).toContain(code(name));
    for (const option of liveServerFrameSchema.options) expect(text, `frame ${option.shape.type.value}`).toContain(`| ${code(option.shape.type.value)} |`);
    const subscribeShape = (liveSubscribeSchema(entityKinds) as unknown as { _zod: { def: { out: { shape: Record<string, unknown> } } } })._zod.def.out.shape;
    for (const field of Object.keys(subscribeShape)) expect(text, `subscribe field ${field}`).toMatch(new RegExp(`\\| ${code(field).replace(/[`]/g, '`')}\\??`));
    expect(text).toContain(`1–${MAX_FILTER_IDS}`);
    expect(text).toContain(`1–${entityKinds.length} entity kinds`);
    const defaults = loadConfig({}).liveStream;
    expect(tableRow(code('VIGIL_LIVE_SUBSCRIBE_TIMEOUT_MS'))).toMatch(numberPattern(defaults.subscribeTimeoutMs));
    expect(tableRow(code('VIGIL_LIVE_TOKEN_RECHECK_MS'))).toMatch(numberPattern(defaults.tokenRecheckMs));
    expect(tableRow(code('VIGIL_LIVE_MAX_BUFFERED_BYTES'))).toMatch(numberPattern(defaults.maxBufferedBytes));
  });

  it('gives partition examples that partitionOf computes', () => {
    const examples = [...doc.matchAll(/`partitionOf\("([^"]+)", "([^"]+)", (\d+)\)` = (\d+)/g)];
    expect(examples.length).toBeGreaterThan(0);
    for (const [text, kind, id, count, partition] of examples) {
      expect(partitionOf(kind!, id!, Number(count)), text).toBe(Number(partition));
    }
  });

  it('documents NOT_OWNER with its details and every history field', () => {
    expect(tableRow(code('NOT_OWNER'))).toContain(code('details.partition'));
    expect(Object.keys(RuntimeError.notOwner('system', 'sys-api', 19).details ?? {})).toEqual(['partition']);
    expect(historyFields).toContain('committedBy');
    expect(historyFields).toContain('committedAt');
    const history = section('### `GET /entities/<kind>/<id>/history`');
    for (const field of historyFields) {
      expect(tableRow(code(field)), `history field ${field} in a field table`).toBeDefined();
      expect(history + doc.slice(doc.indexOf('\n## Entity change\n')), `history field ${field}`).toContain(code(field));
    }
  });

  // Every HTTP route is in the HTTP table: checked against the routes a node serves, in test/runtime/query-api.test.ts.

  it('states the configured defaults and stream ages the code uses', () => {
    const defaults = loadConfig({});
    expect(defaults.namespace).toBe('vigil');
    expect(tableRow(code('VIGIL_DUPLICATE_WINDOW_MS'))).toMatch(numberPattern(defaults.duplicateWindowMs));
    expect(tableRow(code('VIGIL_COMMAND_TIMEOUT_MS'))).toMatch(numberPattern(defaults.timeouts.commandMs));
    expect(tableRow(code('VIGIL_PASSIVATE_AFTER_MS'))).toMatch(numberPattern(defaults.timeouts.passivateAfterMs));
    expect(tableRow(code('VIGIL_STREAM_REPLICAS'))).toMatch(numberPattern(defaults.streamReplicas));
    expect(tableRow(code('VIGIL_HTTP_HOST') + ', ' + code('VIGIL_HTTP_PORT'))).toMatch(numberPattern(defaults.http.port));
    expect(tableRow(code('VIGIL_PARTITIONS'))).toMatch(numberPattern(defaults.partitions));
    expect(tableRow(code('VIGIL_LEASE_TTL_MS'))).toMatch(numberPattern(defaults.timeouts.leaseTtlMs));
    expect(tableRow(code('VIGIL_NODE_ID'))).toBeDefined();
    // The renewal period at the default lease time, as the placement computes it.
    const tickMs = new Placement({ leaseTtlMs: defaults.timeouts.leaseTtlMs } as PlacementOptions).tickMs;
    expect(tableRow(code('VIGIL_LEASE_TTL_MS'))).toMatch(numberPattern(tickMs));
    expect(section('### Failover and timings')).toMatch(numberPattern(tickMs));
    const streams = read('bus/streams.ts');
    for (const days of allMatches(streams, /(\d+) \* day/g)) expect(doc).toContain(`${days} days`);
    // Every VIGIL_* variable the document names exists.
    const config = read('node/config.ts');
    for (const variable of new Set(allMatches(doc, /\b(VIGIL_[A-Z_]+)\b/g))) {
      if (['VIGIL_ENTITY', 'VIGIL_TRIGGER', 'VIGIL_PARKED'].includes(variable)) continue;
      expect(config, variable).toContain(variable);
    }
  });
});

describe('docs/PROTOCOL.md examples match the contract', () => {
  const changes = new Map<string, EntityChange>();
  const envelopes: TriggerMessage[] = [];

  const checkChange = (value: unknown): EntityChange => {
    const change = entityChangeSchema.parse(value);
    expect(change).toEqual(value);
    const definition = entityDefinitions[change.kind];
    for (const state of [change.prev, change.next]) {
      if (state !== null) expect(definition.stateSchema.parse(state), `${change.kind} state`).toEqual(state);
    }
    expect(change.changedFields, `${change.kind} ${change.id} v${change.version} changedFields`).toEqual(changedFieldsOf(change.prev, change.next));
    checkInvariants(change);
    const key = `${change.kind}:${change.id}:${change.version}`;
    if (changes.has(key)) expect(changes.get(key)).toEqual(change);
    changes.set(key, change);
    return change;
  };

  /** What the machines guarantee about a state, so a hand-edited example cannot drift from them. */
  const checkInvariants = (change: EntityChange) => {
    const label = `${change.kind} ${change.id} v${change.version}`;
    expect(change.prev === null && change.next === null, label).toBe(false);
    if (change.version === 1) expect(change.prev, `${label}: version 1 has prev null`).toBeNull();
    const next = change.next as Record<string, unknown> | null;
    if (next === null) {
      expect(['deleted', 'removed'], `${label}: tombstone state value`).toContain(change.stateValue);
      return;
    }
    if (change.kind === 'automation') expect(change.stateValue, label).toBe(next.enabled ? 'enabled' : 'disabled');
    else if (change.kind === 'automation_scope') expect(change.stateValue, label).toBe('open');
    else if (change.kind === 'automation_window') expect(change.stateValue, label).toBe('counting');
    else if (change.kind === 'automation_run') expect(change.stateValue, label).toBe(['running', 'waiting'].includes(next.status as string) ? next.status : 'ended');
    else if ('status' in next) expect(change.stateValue, `${label}: state value mirrors status`).toBe(next.status);
    else expect(change.stateValue, label).toBe('active');
    if (change.kind === 'health') {
      const checks = Object.entries(next.checks as Record<string, { checkId: string; source: string; status: string }>);
      const rank = ['healthy', 'degraded', 'unhealthy'];
      for (const [key, check] of checks) expect(key, label).toBe(`${check.checkId}@${check.source}`);
      expect(next.totalChecks, label).toBe(checks.length);
      expect(next.healthyChecks, label).toBe(checks.filter(([, check]) => check.status === 'healthy').length);
      expect(next.status, label).toBe(rank[Math.max(0, ...checks.map(([, check]) => rank.indexOf(check.status)))]);
    }
  };

  const checkEnvelope = (value: unknown) => {
    const message = triggerMessageSchema.parse(value);
    expect(message).toEqual(value);
    const definition = getTrigger(message.trigger);
    expect(definition, message.trigger).toBeDefined();
    expect(definition!.payloadSchema.parse(message.payload)).toEqual(message.payload);
    expect(message.contextKey).toBe(definition!.contextKey);
    expect(message.contextValue).toBe(String(message.payload[message.contextKey]));
    envelopes.push(message);
  };

  const checkError = (error: { code: string; message: string }) => {
    expect(tableRow(code(error.code)), error.code).toBeDefined();
    expect(typeof error.message).toBe('string');
  };

  it('every json block is valid JSON of a known shape', () => {
    expect(jsonBlocks.length).toBeGreaterThan(20);
    const triggers = new Map(listTriggers().map((trigger) => [trigger.id, trigger]));
    for (const block of jsonBlocks) {
      const value = JSON.parse(block) as Record<string, unknown>;
      if (value.type === 'subscribe') {
        expect(liveSubscribeSchema(entityKinds).parse(value), 'live stream subscribe frame').toEqual(value);
      } else if (value.type === 'result') {
        expect(satelliteMessageSchema.parse(value), 'satellite result frame').toEqual(value);
      } else if (typeof value.cursor === 'string') {
        expect(liveServerFrameSchema.parse(value), 'live stream frame').toEqual(value);
        if (value.type === 'change') checkChange(value.change);
        if (value.type === 'trigger') checkEnvelope(value.trigger);
      } else if ('changedFields' in value) checkChange(value);
      else if ('trigger' in value && 'source' in value) checkEnvelope(value);
      else if ('ok' in value) {
        if (value.ok === true) {
          if (value.change !== null) checkChange(value.change);
        } else checkError(value.error as { code: string; message: string });
      } else if ('change' in value) {
        if (value.change !== null) checkChange(value.change);
      } else if ('error' in value) checkError(value.error as { code: string; message: string });
      else if ('transitions' in value) {
        for (const row of value.transitions as Array<Record<string, unknown>>) {
          expect(Object.keys(row).sort(), 'history row fields').toEqual([...historyFields].sort());
          const { event, committedBy, committedAt, ...change } = row as { event: { type: string; at: number } & Record<string, unknown>; committedBy: unknown; committedAt: unknown };
          expect(committedBy === null || typeof committedBy === 'string', 'committedBy').toBe(true);
          expect(new Date(committedAt as string).toISOString(), 'committedAt is an ISO 8601 time').toBe(committedAt);
          const checked = checkChange(change);
          const { at, ...body } = event;
          expect(at).toBe(checked.at);
          expect(event.type).toBe(checked.cause.event);
          // The stored event is the parsed one: parsing it again changes nothing.
          expect(entityDefinitions[checked.kind].eventSchema.parse(body)).toEqual(body);
        }
      } else if ('triggers' in value) {
        for (const listing of value.triggers as Array<{ id: string }>) expect(listing).toEqual(triggers.get(listing.id));
      } else if ('stateValue' in value && 'state' in value) {
        const view = value as { kind: string; state: Record<string, unknown> | null };
        const definition = getEntityDefinition(view.kind);
        expect(definition, view.kind).toBeDefined();
        if (view.state !== null) expect(definition!.stateSchema.parse(view.state)).toEqual(view.state);
      } else if ('stream_name' in value) {
        const config = value as { stream_name: string; config: { filter_subject: string } };
        expect(Object.values(subjectsFor('vigil').streams)).toContain(config.stream_name);
        expect(config.config.filter_subject.startsWith('vigil.')).toBe(true);
      } else if ('nodeId' in value && 'startedAt' in value) {
        expect(memberValueSchema.strict().parse(value), 'members.<nodeId> value').toEqual(value);
      } else if ('owner' in value) {
        expect(leaseValueSchema.strict().parse(value), 'partitions.<n> value').toEqual(value);
      } else if ('generatedAt' in value && 'groups' in value) {
        expect(statusPageSchema.strict().parse(value), 'status page').toEqual(value);
      } else if ('status' in value && 'node' in value) {
        // healthz / readyz
      } else if ('blocks' in value) {
        // notify.slack: exactly what slackMessage() builds from the header, section and context texts.
        const [header, section, context] = value.blocks as Array<{ text?: { text: string }; elements?: Array<{ text: string }> }>;
        expect(slackMessage({ title: header!.text!.text, text: section!.text!.text, footer: context!.elements![0]!.text }), 'notify.slack message').toEqual(value);
      } else if ('type' in value && 'timestamp' in value && 'data' in value) {
        expect(notificationEnvelopeSchema.parse(value), 'notify.webhook envelope').toEqual(value);
        const data = value.data as Record<string, unknown>;
        expect(Object.keys(data).sort(), 'notify.webhook default data').toEqual(Object.keys(defaultWebhookData(String(value.type))).sort());
        expect(firedTriggerSchema.parse(data.trigger)).toEqual(data.trigger);
      } else if (value.type === 'authenticated' || value.type === 'results_refused') {
        expect(gatewayMessageSchema.parse(value), 'satellite gateway frame').toEqual(value);
      } else {
        throw new Error(`unrecognised json example:\n${block}`);
      }
    }
  });

  it('every trigger has an example, and examples agree with the derivers for the changes shown', () => {
    expect(new Set(envelopes.map((message) => message.trigger))).toEqual(new Set(listTriggers().map((trigger) => trigger.id)));
    let crossChecked = 0;
    for (const message of envelopes) {
      const change = changes.get(`${message.source.kind}:${message.source.id}:${message.source.version}`);
      if (!change) continue;
      crossChecked++;
      expect(message.at).toBe(change.at);
      const { source: _source, at: _at, ...event } = message;
      expect(deriveTriggers(change), `${message.trigger} from ${message.source.kind} ${message.source.id} v${message.source.version}`).toContainEqual(event);
    }
    expect(crossChecked).toBeGreaterThan(0);
    // Triggers documented for one change are exactly the ones it fires.
    for (const change of changes.values()) {
      const documented = envelopes.filter(
        (message) => message.source.kind === change.kind && message.source.id === change.id && message.source.version === change.version,
      );
      if (documented.length === 0) continue;
      expect(new Set(documented.map((message) => message.trigger))).toEqual(new Set(deriveTriggers(change).map((event) => event.trigger)));
    }
  });

  it('shows a change example for every kind', () => {
    expect(new Set([...changes.values()].map((change) => change.kind))).toEqual(new Set(entityKinds));
  });
});
