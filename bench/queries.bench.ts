/**
 * Query API benchmark: latency of the list and detail routes of a real `vigil start` process on a
 * database holding 10,000 systems (each with a health entity) and 100,000 automation runs (plus
 * 20,000 incidents and 20,000 checks), over HTTP with keep-alive, one request at a time.
 *
 *   npm run bench:queries
 *   BENCH_SYSTEMS=50000 BENCH_RUNS=500000 npm run bench:queries
 *
 * The rows are written straight into `entity_state` with SQL (the read path is what is measured;
 * writing 150,000 entities through the actors would take minutes and measure the write path).
 * Their state has the shape the machines store. Prints one JSON line, then a table.
 */
import pg from 'pg';
import { createTestDatabase, createTestNamespace } from '../test/support/isolation.ts';
import { authorization } from '../test/support/isolation.ts';
import { benchNode } from './support/bench-node.ts';

const SYSTEMS = Number(process.env.BENCH_SYSTEMS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 100_000);
const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 20_000);
const AUTOMATIONS = 100;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);

const database = await createTestDatabase();
const namespace = createTestNamespace();
const node = benchNode({ databaseUrl: database.url, namespace: namespace.namespace });
await node.start(60_000);
const db = new pg.Client({ connectionString: database.url });
await db.connect();

const base = Date.UTC(2026, 10, 1);
const seedStarted = performance.now();
// One statement per kind; `i` numbers the rows. Statuses are spread like a real fleet's: most
// systems healthy, most runs finished, most incidents resolved.
const insert = (kind: string, count: number, idSql: string, stateSql: string, stateValueSql: string) =>
  db.query(
    `insert into entity_state (kind, id, version, state, state_value, snapshot, machine_version, updated_at)
     select '${kind}', ${idSql}, 1, ${stateSql}, to_jsonb(${stateValueSql}), '{}'::jsonb, 1, ${base} + i * 1000 from generate_series(1, ${count}) as i`,
  );
await insert('system', SYSTEMS, `'sys-' || i`, `jsonb_build_object('id', 'sys-' || i, 'name', 'System ' || lpad(i::text, 6, '0'), 'description', '', 'metadata', '{}'::jsonb, 'groupIds', jsonb_build_array('group-' || (i % 20)), 'createdAt', ${base} + i)`, `'active'::text`);
await insert(
  'health',
  SYSTEMS,
  `'sys-' || i`,
  `jsonb_build_object('systemId', 'sys-' || i, 'status', case when i % 100 < 3 then 'unhealthy' when i % 100 < 10 then 'degraded' else 'healthy' end, 'healthyChecks', 1, 'totalChecks', 2, 'checks', '{}'::jsonb)`,
  `case when i % 100 < 3 then 'unhealthy' when i % 100 < 10 then 'degraded' else 'healthy' end`,
);
await insert(
  'automation_run',
  RUNS,
  `'run-' || i`,
  `jsonb_build_object('runId', 'run-' || i, 'automationId', 'auto-' || (i % ${AUTOMATIONS}), 'revision', 1, 'scopeId', 'auto-' || (i % ${AUTOMATIONS}), 'status', case when i % 1000 = 0 then 'waiting' when i % 50 = 0 then 'failed' else 'succeeded' end, 'trigger', null, 'definition', '{}'::jsonb, 'seq', 3, 'cursor', null, 'variables', '{}'::jsonb, 'artifacts', '{}'::jsonb, 'wakeAt', null, 'wait', null, 'conditions', '[]'::jsonb, 'steps', '[]'::jsonb, 'reason', null, 'startedAt', ${base} + i * 1000, 'endedAt', ${base} + i * 1000 + 500)`,
  `case when i % 1000 = 0 then 'waiting' when i % 50 = 0 then 'failed' else 'succeeded' end`,
);
await insert(
  'incident',
  INCIDENTS,
  `'inc-' || i`,
  `jsonb_build_object('id', 'inc-' || i, 'title', 'Incident ' || i, 'description', '', 'status', case when i % 20 = 0 then 'investigating' else 'resolved' end, 'severity', case when i % 3 = 0 then 'critical' else 'minor' end, 'systemIds', jsonb_build_array('sys-' || (i % ${SYSTEMS} + 1)), 'updates', '[]'::jsonb, 'createdAt', ${base} + i * 1000, 'resolvedAt', null)`,
  `case when i % 20 = 0 then 'investigating' else 'resolved' end`,
);
await insert(
  'check',
  SYSTEMS * 2,
  `'check-' || i`,
  `jsonb_build_object('id', 'check-' || i, 'systemId', 'sys-' || (i % ${SYSTEMS} + 1), 'strategy', jsonb_build_object('kind', 'tcp', 'host', 'h', 'port', 1), 'intervalMs', 60000, 'satelliteIds', jsonb_build_array('sat-' || (i % 10)))`,
  `'active'::text`,
);
await db.query('analyze entity_state');
const seedSeconds = (performance.now() - seedStarted) / 1000;

const url = (path: string) => `http://127.0.0.1:${node.port}${path}`;
async function get(path: string): Promise<{ items?: Array<{ id: string }>; next?: string | null }> {
  const response = await fetch(url(path), { headers: authorization() });
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<{ items?: Array<{ id: string }>; next?: string | null }>;
}

/** A cursor `pages` pages deep into a list (to show that depth costs nothing). */
async function deepCursor(path: string, pages: number): Promise<string> {
  let next: string | null | undefined;
  for (let page = 0; page < pages; page++) next = (await get(`${path}${next ? `&cursor=${next}` : ''}`)).next;
  return next!;
}

const routes: Array<[string, string]> = [
  ['systems, by name', '/systems?limit=50'],
  ['systems, by name, page 100', `/systems?limit=50&cursor=${await deepCursor('/systems?limit=50', 100)}`],
  ['systems, worst health first', '/systems?sort=health&limit=50'],
  ['systems, worst first, page 100', `/systems?sort=health&limit=50&cursor=${await deepCursor('/systems?sort=health&limit=50', 100)}`],
  ['systems, unhealthy only', '/systems?health=unhealthy&limit=50'],
  ['systems, in a group', '/systems?group=group-7&limit=50'],
  ['systems, name search', '/systems?q=00123&limit=50'],
  ['a system (detail)', '/systems/sys-4242'],
  ['runs, newest first', '/runs?limit=50'],
  ['runs, newest first, page 1000', `/runs?limit=50&cursor=${await deepCursor('/runs?limit=50', 1000)}`],
  ['runs of one automation', '/runs?automation=auto-42&limit=50'],
  ['runs waiting or running', '/runs?status=running,waiting&limit=50'],
  ['runs failed', '/runs?status=failed&limit=50'],
  ['runs since a time', `/runs?since=${base + (RUNS - 5000) * 1000}&limit=50`],
  ['a run (detail)', '/runs/run-77777'],
  ['incidents open', '/incidents?status=open&limit=50'],
  ['incidents of a system', '/incidents?system=sys-42&limit=50'],
  ['incidents critical', '/incidents?severity=critical&limit=50'],
  ['checks of a system', '/checks?system=sys-42'],
];

const results: Array<{ route: string; path: string; p50Ms: number; p99Ms: number; maxMs: number; items: number }> = [];
for (const [name, path] of routes) {
  for (let warm = 0; warm < 20; warm++) await get(path);
  const times: number[] = [];
  let items = 0;
  for (let request = 0; request < REQUESTS; request++) {
    const started = performance.now();
    const body = await get(path);
    times.push(performance.now() - started);
    items = body.items?.length ?? 1;
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => Number(times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(2));
  results.push({ route: name, path: path.length > 80 ? `${path.slice(0, 77)}...` : path, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1), items });
}

console.log(JSON.stringify({ bench: 'queries', systems: SYSTEMS, runs: RUNS, incidents: INCIDENTS, requestsPerRoute: REQUESTS, seedSeconds: Number(seedSeconds.toFixed(1)), results }));
console.log();
console.log(`${'route'.padEnd(34)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)} ${'items'.padStart(6)}`);
for (const result of results) console.log(`${result.route.padEnd(34)} ${String(result.p50Ms).padStart(8)} ${String(result.p99Ms).padStart(8)} ${String(result.maxMs).padStart(8)} ${String(result.items).padStart(6)}`);

await db.end();
await node.kill('SIGTERM');
await namespace.cleanup();
await database.drop();
