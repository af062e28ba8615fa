/**
 * Satellite gateway benchmark: server memory per connected satellite, and results ingested per
 * second into health transitions, on one `vigil start` process (its memory measured from /proc).
 * Every result is for a check assigned to its satellite (the gateway refuses any other), so the
 * bench creates those checks first (13,000 at the default rate).
 *
 *   npm run bench:satellites                       # 2,000 satellites
 *   BENCH_SATELLITES=15000 npm run bench:satellites
 *
 * Prints one JSON line, then a table.
 */
import { connect as natsConnect } from '@nats-io/transport-node';
import pg from 'pg';
import WebSocket from 'ws';
import { subjectsFor } from '../bus/index.ts';
import { Database, SatelliteCredentialStore } from '../persistence/index.ts';
import { SATELLITE_PATH } from '../protocol/satellite-protocol.ts';
import { NodeInspector } from './support/node-inspector.ts';
import { commandHeaders, createTestDatabase, createTestNamespace, NATS_URL } from '../test/support/isolation.ts';
import { benchNode } from './support/bench-node.ts';

const count = Number(process.env.BENCH_SATELLITES ?? 2_000);
const resultSeconds = Number(process.env.BENCH_RESULT_SECONDS ?? 10);
/** Total results per second offered, spread over all satellites (each stays under its 50/s limit). */
const totalRate = Number(process.env.BENCH_RESULT_RATE ?? 25_000);
const perSatelliteRate = Math.min(45, totalRate / count);
/** Checks per satellite, each reporting about once a second (the shortest check interval). */
const checksPerSatellite = Math.max(1, Math.ceil(perSatelliteRate));

const log = (message: string) => process.stderr.write(`${message}\n`);
const mib = (bytes: number) => +(bytes / 2 ** 20).toFixed(1);

const database = await createTestDatabase();
const namespace = createTestNamespace();
const node = benchNode({ databaseUrl: database.url, namespace: namespace.namespace });
const sockets: WebSocket[] = [];
/** The socket of satellite s<index> (sockets are in the order their upgrades completed). */
const socketOf = new Map<number, WebSocket>();
try {
  await node.start();
  const inspector = await NodeInspector.connect(node.output);
  /** The node's memory after full collections: retained JS heap and RSS. */
  const memory = () => inspector.settledMemory(node.pid!);
  // Baseline before any satellite exists: the figure per satellite below then includes its hot
  // actor (registered, kept in memory by heartbeats) as well as its socket.
  const empty = await memory();
  const ids = Array.from({ length: count }, (_, index) => `s${index}`);

  log(`registering ${count} satellites`);
  const db = await Database.open({ url: database.url, dataDir: '/tmp', poolSize: 4 });
  const credentials = new SatelliteCredentialStore(db);
  const tokens = new Map<string, string>();
  const nc = await natsConnect({ servers: NATS_URL });
  const subjects = subjectsFor(namespace.namespace);
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        tokens.set(id, (await credentials.issue(id)).token);
        await nc.request(subjects.command('satellite', id), JSON.stringify({ type: 'register', name: id, region: 'bench' }), { timeout: 30_000, headers: commandHeaders() });
      }
    }),
  );
  await db.close();

  // The checks the satellites report (a result is accepted only for a check assigned to its
  // satellite): c<system>-<k>, k < checksPerSatellite, on system sys<system>, assigned to the
  // satellites that report that system (s<i> with i % 1000 = system).
  const systems = Math.min(1000, count);
  const checkIds: Array<{ id: string; system: number }> = [];
  for (let system = 0; system < systems; system++) for (let k = 0; k < checksPerSatellite; k++) checkIds.push({ id: `c${system}-${k}`, system });
  // A check must name a system that exists.
  log(`creating ${systems} systems`);
  next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < systems) {
        const system = next++;
        await nc.request(subjects.command('system', `sys${system}`), JSON.stringify({ type: 'create', name: `sys${system}` }), { timeout: 30_000, headers: commandHeaders() });
      }
    }),
  );
  log(`creating ${checkIds.length} checks`);
  next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < checkIds.length) {
        const { id, system } = checkIds[next++]!;
        const satelliteIds = ids.filter((_, index) => index % 1000 === system);
        const event = { type: 'create', systemId: `sys${system}`, strategy: { kind: 'tcp', host: '127.0.0.1', port: 9 }, intervalMs: 1_000, satelliteIds };
        const reply = (await nc.request(subjects.command('check', id), JSON.stringify(event), { timeout: 30_000, headers: commandHeaders() })).json<{ ok: boolean; error?: unknown }>();
        if (!reply.ok) throw new Error(`check ${id} not created: ${JSON.stringify(reply.error)}`);
      }
    }),
  );

  const registered = await memory();
  log(`connecting ${count} satellites`);
  const connectStarted = Date.now();
  let authenticated = 0;
  next = 0;
  const progress = setInterval(() => log(`  ${authenticated} authenticated`), 5_000);
  let dropped = 0;
  const connectOnce = (id: string) =>
    new Promise<WebSocket | null>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${node.port}${SATELLITE_PATH}`, { headers: { authorization: `Bearer ${tokens.get(id)}` }, perMessageDeflate: false });
      ws.on('message', (data) => {
        if (String(data).includes('"authenticated"')) resolve(ws);
      });
      ws.once('error', () => resolve(null));
      ws.once('close', () => resolve(null));
    });
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      while (next < ids.length) {
        const index = next++;
        const id = ids[index]!;
        // A connection dropped during the burst is retried (and counted: it should not happen).
        for (let attempt = 0; attempt < 5; attempt++) {
          const ws = await connectOnce(id);
          if (ws) {
            sockets.push(ws);
            socketOf.set(index, ws);
            authenticated++;
            break;
          }
          dropped++;
        }
      }
    }),
  );
  clearInterval(progress);
  const connectSeconds = (Date.now() - connectStarted) / 1000;
  // One heartbeat each, as every idle satellite sends every 15 s.
  for (const ws of sockets) ws.send(JSON.stringify({ type: 'heartbeat', agentVersion: 'bench', uptimeSeconds: 1 }));
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const connected = await memory();
  const perConnection = { heap: Math.round((connected.heap - registered.heap) / count), rss: Math.round((connected.rss - registered.rss) / count) };
  const perSatellite = { heap: Math.round((connected.heap - empty.heap) / count), rss: Math.round((connected.rss - empty.rss) / count) };
  log(`${authenticated} authenticated in ${connectSeconds.toFixed(1)} s; retained heap ${mib(registered.heap)} → ${mib(connected.heap)} MiB, RSS ${mib(registered.rss)} → ${mib(connected.rss)} MiB`);

  // Results: every satellite reports its checks (c<index % 1000>-<k>, each about once a second) of
  // one of 1,000 systems, each check's status alternating. executedAt grows by 1 ms per result of
  // a satellite, so no result is a duplicate of another. A result counts as ingested when the node acknowledges it, which it
  // does only after the health transition carrying it is committed.
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const healthBefore = Number((await client.query(`select count(*) from entity_transitions where kind = 'health'`)).rows[0].count);
  let acked = 0;
  let refused = 0;
  let lastAckAt = 0;
  for (const ws of sockets) {
    ws.on('message', (data) => {
      const text = String(data);
      if (text.startsWith('{"type":"results_refused"')) refused += (JSON.parse(text) as { results: unknown[] }).results.length;
      if (!text.startsWith('{"type":"results_acked"')) return;
      acked += (JSON.parse(text) as { resultIds: string[] }).resultIds.length;
      lastAckAt = Date.now();
    });
  }
  log(`sending results for ${resultSeconds} s at ${perSatelliteRate}/s per satellite`);
  const started = Date.now();
  // Each satellite reports its own checks, through its own socket.
  const reporters = [...socketOf.entries()];
  const sentPerSocket = new Array<number>(reporters.length).fill(0);
  let sent = 0;
  const ticker = setInterval(() => {
    const slot = Math.floor(((Date.now() - started) / 1000) * perSatelliteRate);
    for (let position = 0; position < reporters.length; position++) {
      const [index, ws] = reporters[position]!;
      while (sentPerSocket[position]! < slot) {
        const n = ++sentPerSocket[position]!;
        // Real checks run at most once a second: a satellite spreads its rate over that many checks.
        const check = n % checksPerSatellite;
        ws.send(JSON.stringify({ type: 'result', resultId: `${index}-${n}`, checkId: `c${index % 1000}-${check}`, systemId: `sys${index % 1000}`, status: Math.floor(n / checksPerSatellite) % 2 ? 'down' : 'up', latencyMs: 1, executedAt: started + n }));
        sent++;
      }
    }
  }, 50);
  await new Promise((resolve) => setTimeout(resolve, resultSeconds * 1000));
  clearInterval(ticker);
  const sendSeconds = (Date.now() - started) / 1000;
  // Wait until every result is acknowledged, or nothing moved for 10 s.
  for (let seen = -1; acked + refused < sent && (acked !== seen || Date.now() - lastAckAt < 10_000); ) {
    seen = acked;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const ingestSeconds = Math.max(0.001, (lastAckAt - started) / 1000);
  const transitions = Number((await client.query(`select count(*) from entity_transitions where kind = 'health'`)).rows[0].count) - healthBefore;
  if (process.env.BENCH_DEBUG) log(node.output.slice(-2000));
  await client.end();
  await nc.close();
  inspector.close();

  const report = {
    satellites: count,
    authenticated,
    droppedDuringConnect: dropped,
    connectSeconds,
    memoryMiB: {
      empty: { heap: mib(empty.heap), rss: mib(empty.rss) },
      registered: { heap: mib(registered.heap), rss: mib(registered.rss) },
      connected: { heap: mib(connected.heap), rss: mib(connected.rss) },
    },
    bytesPerConnection: perConnection,
    bytesPerSatellite: perSatellite,
    resultsRefusedLogged: (node.output.match(/result backlog full/g) ?? []).length,
    resultsSent: sent,
    resultsOfferedPerSecond: Math.round(sent / sendSeconds),
    resultsAcknowledged: acked,
    resultsRefused: refused,
    resultsIngestedPerSecond: Math.round(acked / ingestSeconds),
    healthTransitions: transitions,
    resultsPerTransition: +(acked / Math.max(1, transitions)).toFixed(1),
    targets: { bytesPerConnection: 3072, resultsPerSecond: 20_000 },
  };
  console.log(JSON.stringify(report));
  console.log(`\nsatellites on one node: ${authenticated}/${count} connected in ${connectSeconds.toFixed(1)} s`);
  console.log(`  server memory per connection: ${perConnection.heap} B retained JS heap, ${perConnection.rss} B RSS (target ≤ 3 KB)`);
  console.log(`  per satellite, its hot actor included: ${perSatellite.heap} B retained JS heap, ${perSatellite.rss} B RSS`);
  console.log(`  (after full GCs; retained heap / RSS: empty node ${mib(empty.heap)} / ${mib(empty.rss)} MiB, ${count} registered ${mib(registered.heap)} / ${mib(registered.rss)} MiB, connected ${mib(connected.heap)} / ${mib(connected.rss)} MiB)`);
  console.log(`  results: ${sent} sent (${report.resultsOfferedPerSecond}/s offered), ${acked} committed and acknowledged: ${report.resultsIngestedPerSecond}/s end to end (target ≥ 20,000/s)`);
  console.log(`  in ${transitions} health transitions (${report.resultsPerTransition} results each); ${refused} refused (expected 0: every result is for an assigned check)`);
} catch (error) {
  log(`failed: ${(error as Error).message}\nnode output (tail):\n${node.output.slice(-3000)}`);
  process.exitCode = 1;
} finally {
  for (const ws of sockets) ws.terminate();
  // SIGTERM when profiling: --cpu-prof writes its profile on a clean exit only.
  await node.kill(process.env.BENCH_NODE_ARGS ? 'SIGTERM' : 'SIGKILL');
  await namespace.cleanup();
  await database.drop();
}
