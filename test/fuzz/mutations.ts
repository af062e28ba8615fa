/**
 * Bodies for fuzzing Vigil's command surfaces: valid commands mutated in the ways that have hurt
 * (characters PostgreSQL cannot store, deep nesting, huge numbers, long strings, wrong types) and
 * plain garbage. Deterministic for a seed, so a failure can be replayed.
 */

/** xorshift32: small, fast, seedable. */
export function randomSource(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
}

/** Valid commands of the public kinds, the starting points of mutation. */
export const seedCommands: Array<{ kind: string; event: Record<string, unknown> }> = [
  { kind: 'system', event: { type: 'create', name: 'Shop', description: 'the shop', metadata: { team: 'web', tier: 1 } } },
  { kind: 'system', event: { type: 'update', name: 'Shop 2', groupIds: ['payments'] } },
  { kind: 'group', event: { type: 'create', name: 'Payments' } },
  { kind: 'incident', event: { type: 'create', title: 'Checkout errors', severity: 'major', systemIds: ['shop'], description: 'x' } },
  { kind: 'incident', event: { type: 'post_update', message: 'Rolling back', status: 'identified' } },
  { kind: 'check', event: { type: 'create', systemId: 'shop', strategy: { kind: 'http', url: 'https://shop.example/health', method: 'GET', expectedStatus: 200 }, intervalMs: 30_000, satelliteIds: ['edge-1'] } },
  { kind: 'maintenance', event: { type: 'create', title: 'DB patching', systemIds: ['shop'], schedule: { kind: 'once', startsAt: 1_900_000_000_000, endsAt: 1_900_000_360_000 } } },
  { kind: 'satellite', event: { type: 'register', name: 'Edge', region: 'eu-west' } },
  {
    kind: 'automation',
    event: {
      type: 'save',
      definition: { id: 'fz', name: 'fuzzed', triggers: [{ id: 't', event: 'incident.created' }], actions: [{ action: 'automation.log', config: { message: 'hi {{ trigger.id }}' } }] },
    },
  },
  { kind: 'health', event: { type: 'check_result', checkId: 'c', source: 's', success: false, executedAt: 1_800_000_000_000 } },
];

const hostileStrings = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udc00y',
  '\udfff\ud800',
  '😀',
  '\ud83d\ude00',
  'x'.repeat(70_000),
  '',
  ' ',
  '\u202e',
  '%00',
  '\\u0000',
  "'; drop table entity_state; --",
  '{{ secrets.X }}',
];
const hostileNumbers = [1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -0, 0.1, 2 ** 64, -1, 4_294_967_296];

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)]!;
}

function deepNesting(depth: number, asArray: boolean): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level++) value = asArray ? [value] : { n: value };
  return value;
}

/**
 * Paths to the values in `value` (objects and arrays) down to 6 levels, for choosing what to
 * mutate; an earlier mutation's deep nesting is not walked again (that would cost depth² per body).
 */
function paths(value: unknown, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  if (value !== null && typeof value === 'object' && prefix.length < 6) {
    for (const [key, child] of Object.entries(value)) {
      const path = [...prefix, Array.isArray(value) ? Number(key) : key];
      out.push(path);
      paths(child, path, out);
    }
  }
  return out;
}

function setAt(target: Record<string, unknown>, path: Array<string | number>, replacement: unknown): void {
  let cursor: Record<string | number, unknown> = target;
  for (const key of path.slice(0, -1)) cursor = cursor[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (replacement === undefined) delete cursor[last];
  else cursor[last] = replacement;
}

function hostileValue(random: () => number): unknown {
  switch (Math.floor(random() * 8)) {
    case 0:
    case 1:
      return pick(random, hostileStrings);
    case 2:
      return pick(random, hostileNumbers);
    case 3:
      return deepNesting(1 + Math.floor(random() * 2_000), random() < 0.5);
    case 4:
      return pick(random, [null, true, [], {}, [1, 2, 3], { type: 'create' }]);
    case 5:
      return { [pick(random, hostileStrings)]: pick(random, hostileStrings) };
    case 6:
      return Array.from({ length: Math.floor(random() * 5_000) }, () => 'id');
    default:
      return undefined; // the field removed
  }
}

/** One fuzz body as the raw text to send, with the kind to send it to. */
export function fuzzBody(random: () => number): { kind: string; text: string } {
  const seed = pick(random, seedCommands);
  const roll = random();
  if (roll < 0.06) {
    // Not JSON, or JSON cut short.
    const text = JSON.stringify(seed.event);
    return { kind: seed.kind, text: pick(random, [text.slice(0, Math.floor(random() * text.length)), '\u0000', '{"type":', '[]', 'null', '"x"', '1e999', '{"type":"create","name":"\\ud800"}', '{"type":"create","name":"x","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}', '\xff\xfe']) };
  }
  if (roll < 0.1) {
    // A whole hostile value as the body.
    return { kind: seed.kind, text: JSON.stringify(hostileValue(random) ?? null) };
  }
  const event = structuredClone(seed.event);
  const mutations = 1 + Math.floor(random() * 3);
  for (let count = 0; count < mutations; count++) {
    const candidates = paths(event).filter((path) => path[0] !== 'type' || random() < 0.2);
    if (candidates.length === 0 || random() < 0.15) {
      event[pick(random, ['extra', 'metadata', 'name', '__proto__', 'constructor'])] = hostileValue(random);
    } else {
      setAt(event, pick(random, candidates), hostileValue(random));
    }
  }
  return { kind: seed.kind, text: JSON.stringify(event) };
}
