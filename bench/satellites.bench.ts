/**
 * Satellite gateway benchmark: server memory per connected satellite, and results ingested per
 * second into health transitions, on one `vigil start` process (its memory measured from /proc).
 * Every result is for a check assigned to its satellite (the gateway refuses any other), so the
 * bench creates those checks first (13,000 at the default rate).
 *
 *   npm run bench:satellites                       # 2,000 satellites, check history on
 *   BENCH_SATELLITES=15000 npm run bench:satellites
 *   BENCH_HISTORY=compare npm run bench:satellites # ingest with the check history off, then on
 *   BENCH_HISTORY=compare BENCH_ROUNDS=3 npm run bench:satellites # off on on off off on
 *   BENCH_NODE_CPUS=1 taskset -c 0 npm run bench:satellites     # the node alone on CPU 1
 *
 * `BENCH_HISTORY`: `on` (default), `off` (VIGIL_HISTORY_ENABLED=false), or `compare`: one run,
 * the same satellites and checks, the node restarted with the other setting for each results
 * phase (memory is read in the first phase only). `BENCH_ROUNDS` (compare only, default 1) pairs
 * of phases, in the order off on, on off, off on, … so that neither setting always runs on the
 * fuller database or the warmer machine; the summary gives each setting's median and the ratio
 * of the medians (on ÷ off), and each round's own ratio.
 *
 * Prints one JSON line, then a table.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect as natsConnect } from '@nats-io/transport-node';
import pg from 'pg';
import WebSocket from 'ws';
import { subjectsFor } from '../bus/index.ts';
import { Database, SatelliteCredentialStore } from '../persistence/index.ts';
import { SATELLITE_PATH } from '../protocol/satellite-protocol.ts';
import { NodeInspector } from './support/node-inspector.ts';
import { CLOCK_TICKS, databaseBackendTicks, ticksOf } from './support/proc-cpu.ts';
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

const historyMode = (process.env.BENCH_HISTORY ?? 'on') as 'on' | 'off' | 'compare';
if (!['on', 'off', 'compare'].includes(historyMode)) throw new Error(`BENCH_HISTORY must be on, off or compare, not ${historyMode}`);
const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`BENCH_ROUNDS must be a whole number ≥ 1, not ${process.env.BENCH_ROUNDS}`);
/** The check history setting of each results phase, in order: pairs alternating off-on and on-off. */
const phases: boolean[] = historyMode === 'compare' ? Array.from({ length: rounds }, (_, round) => (round % 2 === 0 ? [false, true] : [true, false])).flat() : [historyMode === 'on'];

const database = await createTestDatabase();
const namespace = createTestNamespace();
const nodeFor = (history: boolean) => benchNode({ databaseUrl: database.url, namespace: namespace.namespace, env: { VIGIL_HISTORY_ENABLED: String(history), VIGIL_METRICS_ALLOW: '127.0.0.1' } });
let node = nodeFor(phases[0]!);
let sockets: WebSocket[] = [];
const ids = Array.from({ length: count }, (_, index) => `s${index}`);
const tokens = new Map<string, string>();

/** What one results phase measured. */
interface PhaseReport {
  history: 'on' | 'off';
  connectSeconds: number;
  authenticated: number;
  droppedDuringConnect: number;
  resultsSent: number;
  resultsOfferedPerSecond: number;
  resultsAcknowledged: number;
  resultsRefused: number;
  resultsIngestedPerSecond: number;
  healthTransitions: number;
  resultsPerTransition: number;
  /** Rows the phase added to check_results (with history on: every acknowledged result, once). */
  historyRows: number;
  resultsRefusedLogged: number;
  loadAverage: string;
  /** CPU of the node process, and of the PostgreSQL backends of the bench's database, per acknowledged result (µs). */
  nodeCpuMicrosPerResult: number;
  postgresCpuMicrosPerResult: number;
  /** From the node's /metrics over the phase: its transactions, and the results it dropped over its backlog bound. */
  transactions: {
    healthCommits: number;
    transitionsPerHealthCommit: number;
    healthCommitMs: number;
    historyCommits: number;
    resultsPerHistoryCommit: number;
    historyCommitMs: number;
    refusedOverBacklog: number;
  };
}

/** The node's counters and histogram sums/counts this bench reads (`GET /metrics`, allowed from loopback). */
async function nodeMetrics(): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${node.port}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(vigil_(?:commit_batch_transitions|commit_duration_seconds|history_batch_results|history_commit_duration_seconds)_(?:sum|count)|vigil_satellite_results_refused_total\{reason="BACKLOG_FULL"\}) (\S+)$/.exec(line);
    if (match) values.set(match[1]!.replace(/\{.*$/, ''), Number(match[2]));
  }
  return values;
}

function transactionsBetween(before: Map<string, number>, after: Map<string, number>): PhaseReport['transactions'] {
  const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
  const mean = (sum: string, count: string, scale = 1) => +((delta(sum) * scale) / Math.max(1, delta(count))).toFixed(1);
  return {
    healthCommits: delta('vigil_commit_batch_transitions_count'),
    transitionsPerHealthCommit: mean('vigil_commit_batch_transitions_sum', 'vigil_commit_batch_transitions_count'),
    healthCommitMs: mean('vigil_commit_duration_seconds_sum', 'vigil_commit_duration_seconds_count', 1000),
    historyCommits: delta('vigil_history_batch_results_count'),
    resultsPerHistoryCommit: mean('vigil_history_batch_results_sum', 'vigil_history_batch_results_count'),
    historyCommitMs: mean('vigil_history_commit_duration_seconds_sum', 'vigil_history_commit_duration_seconds_count', 1000),
    refusedOverBacklog: delta('vigil_satellite_results_refused_total'),
  };
}

/** Connects every satellite (100 upgrades in flight); resolves with the sockets by satellite index. */
async function connectAll(): Promise<{ socketOf: Map<number, WebSocket>; connectSeconds: number; authenticated: number; dropped: number }> {
  log(`connecting ${count} satellites`);
  const socketOf = new Map<number, WebSocket>();
  const connectStarted = Date.now();
  let authenticated = 0;
  let next = 0;
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
  return { socketOf, connectSeconds: (Date.now() - connectStarted) / 1000, authenticated, dropped };
}

/**
 * Results: every satellite reports its checks (c<index % 1000>-<k>, each about once a second) of
 * one of 1,000 systems, each check's status alternating. executedAt grows by 1 ms per result of
 * a satellite from the phase's start, so no result is a duplicate of another (nor of an earlier
 * phase's). A result counts as ingested when the node acknowledges it, which it does only after
 * the health transition carrying it (and, with history on, its history row) is committed.
 */
async function sendResults(socketOf: Map<number, WebSocket>, phase: number): Promise<Omit<PhaseReport, 'history' | 'connectSeconds' | 'authenticated' | 'droppedDuringConnect'>> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const countOf = async (sql: string) => Number((await client.query(sql)).rows[0].count);
  const healthBefore = await countOf(`select count(*) from entity_transitions where kind = 'health'`);
  const historyBefore = await countOf('select count(*) from check_results');
  let acked = 0;
  let refused = 0;
  let lastAckAt = 0;
  for (const ws of socketOf.values()) {
    ws.on('message', (data) => {
      const text = String(data);
      if (text.startsWith('{"type":"results_refused"')) refused += (JSON.parse(text) as { results: unknown[] }).results.length;
      if (!text.startsWith('{"type":"results_acked"')) return;
      acked += (JSON.parse(text) as { resultIds: string[] }).resultIds.length;
      lastAckAt = Date.now();
    });
  }
  const loadAverage = loadAverageText();
  const databaseName = new URL(database.url).pathname.slice(1);
  const metricsBefore = await nodeMetrics();
  const nodeTicksBefore = ticksOf(node.pid!);
  const postgresTicksBefore = databaseBackendTicks(databaseName);
  log(`sending results for ${resultSeconds} s at ${perSatelliteRate}/s per satellite (load average ${loadAverage})`);
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
        ws.send(JSON.stringify({ type: 'result', resultId: `${phase}-${index}-${n}`, checkId: `c${index % 1000}-${check}`, systemId: `sys${index % 1000}`, status: Math.floor(n / checksPerSatellite) % 2 ? 'down' : 'up', latencyMs: 1, executedAt: started + n }));
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
  const cpuMicros = (ticks: number) => Math.round(((ticks / CLOCK_TICKS) * 1e6) / Math.max(1, acked));
  const nodeCpuMicrosPerResult = cpuMicros(ticksOf(node.pid!) - nodeTicksBefore);
  const postgresCpuMicrosPerResult = cpuMicros(databaseBackendTicks(databaseName) - postgresTicksBefore);
  const transactions = transactionsBetween(metricsBefore, await nodeMetrics());
  const transitions = (await countOf(`select count(*) from entity_transitions where kind = 'health'`)) - healthBefore;
  const historyRows = (await countOf('select count(*) from check_results')) - historyBefore;
  await client.end();
  return {
    resultsSent: sent,
    resultsOfferedPerSecond: Math.round(sent / sendSeconds),
    resultsAcknowledged: acked,
    resultsRefused: refused,
    resultsIngestedPerSecond: Math.round(acked / ingestSeconds),
    healthTransitions: transitions,
    resultsPerTransition: +(acked / Math.max(1, transitions)).toFixed(1),
    historyRows,
    resultsRefusedLogged: (node.output.match(/result backlog full/g) ?? []).length,
    loadAverage,
    nodeCpuMicrosPerResult,
    postgresCpuMicrosPerResult,
    transactions,
  };
}

/** History on against off over the phases of a compare run: medians, their ratio, and each round's ratio (its two phases). */
function compare(reports: PhaseReport[]) {
  const rates = (history: 'on' | 'off') => reports.filter((phase) => phase.history === history).map((phase) => phase.resultsIngestedPerSecond);
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.length / 2;
    return Math.round(sorted.length % 2 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2);
  };
  const medianOff = median(rates('off'));
  const medianOn = median(rates('on'));
  const roundRatios: number[] = [];
  for (let round = 0; round + 1 < reports.length; round += 2) {
    const pair = reports.slice(round, round + 2);
    const on = pair.find((phase) => phase.history === 'on')!;
    const off = pair.find((phase) => phase.history === 'off')!;
    roundRatios.push(+(on.resultsIngestedPerSecond / Math.max(1, off.resultsIngestedPerSecond)).toFixed(2));
  }
  return { rounds: roundRatios.length, medianOff, medianOn, ratioOfMedians: +(medianOn / Math.max(1, medianOff)).toFixed(2), roundRatios };
}

/**
 * Starts the node; with `BENCH_NODE_CPUS` (a taskset list, e.g. `1`) pins it, every thread, to
 * those CPUs: run the bench itself, PostgreSQL and NATS on the others (bench/README.md), and the
 * node has cores of its own, as in a deployment where the database runs elsewhere.
 */
async function startNode(): Promise<void> {
  await node.start();
  const cpus = process.env.BENCH_NODE_CPUS;
  if (cpus) execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', cpus, String(node.pid)], { stdio: 'ignore' });
}

function loadAverageText(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

try {
  await startNode();
  const inspector = await NodeInspector.connect(node.output);
  /** The node's memory after full collections: retained JS heap and RSS. */
  const memory = () => inspector.settledMemory(node.pid!);
  // Baseline before any satellite exists: the figure per satellite below then includes its hot
  // actor (registered, kept in memory by heartbeats) as well as its socket.
  const empty = await memory();

  log(`registering ${count} satellites`);
  const db = await Database.open({ url: database.url, dataDir: '/tmp', poolSize: 4 });
  const credentials = new SatelliteCredentialStore(db);
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
  await nc.close();

  const registered = await memory();
  const first = await connectAll();
  // One heartbeat each, as every idle satellite sends every 15 s.
  for (const ws of sockets) ws.send(JSON.stringify({ type: 'heartbeat', agentVersion: 'bench', uptimeSeconds: 1 }));
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const connected = await memory();
  inspector.close();
  const perConnection = { heap: Math.round((connected.heap - registered.heap) / count), rss: Math.round((connected.rss - registered.rss) / count) };
  const perSatellite = { heap: Math.round((connected.heap - empty.heap) / count), rss: Math.round((connected.rss - empty.rss) / count) };
  log(`${first.authenticated} authenticated in ${first.connectSeconds.toFixed(1)} s; retained heap ${mib(registered.heap)} → ${mib(connected.heap)} MiB, RSS ${mib(registered.rss)} → ${mib(connected.rss)} MiB`);

  const reports: PhaseReport[] = [];
  for (let phase = 0; phase < phases.length; phase++) {
    const history = phases[phase]!;
    let connection = first;
    if (phase > 0) {
      // The same satellites and checks, on a node restarted with the other history setting.
      log(`restarting the node with VIGIL_HISTORY_ENABLED=${history}`);
      for (const ws of sockets) ws.terminate();
      sockets = [];
      await node.kill('SIGTERM');
      node = nodeFor(history);
      await startNode();
      connection = await connectAll();
    }
    log(`phase ${phase + 1}: check history ${history ? 'on' : 'off'}`);
    reports.push({
      history: history ? 'on' : 'off',
      connectSeconds: connection.connectSeconds,
      authenticated: connection.authenticated,
      droppedDuringConnect: connection.dropped,
      ...(await sendResults(connection.socketOf, phase)),
    });
  }
  if (process.env.BENCH_DEBUG) log(node.output.slice(-2000));

  // The figures at the top level are those of the last phase with history on (unless BENCH_HISTORY=off), as before phases existed.
  const last = [...reports].reverse().find((phase) => phase.history === 'on') ?? reports.at(-1)!;
  const comparison = historyMode === 'compare' ? compare(reports) : undefined;
  const report = {
    satellites: count,
    authenticated: first.authenticated,
    droppedDuringConnect: first.dropped,
    connectSeconds: first.connectSeconds,
    memoryMiB: {
      empty: { heap: mib(empty.heap), rss: mib(empty.rss) },
      registered: { heap: mib(registered.heap), rss: mib(registered.rss) },
      connected: { heap: mib(connected.heap), rss: mib(connected.rss) },
    },
    bytesPerConnection: perConnection,
    bytesPerSatellite: perSatellite,
    history: last.history,
    resultsRefusedLogged: last.resultsRefusedLogged,
    resultsSent: last.resultsSent,
    resultsOfferedPerSecond: last.resultsOfferedPerSecond,
    resultsAcknowledged: last.resultsAcknowledged,
    resultsRefused: last.resultsRefused,
    resultsIngestedPerSecond: last.resultsIngestedPerSecond,
    healthTransitions: last.healthTransitions,
    resultsPerTransition: last.resultsPerTransition,
    phases: reports,
    ...(comparison ? { comparison } : {}),
    targets: { bytesPerConnection: 3072, resultsPerSecond: 20_000 },
  };
  console.log(JSON.stringify(report));
  console.log(`\nsatellites on one node: ${first.authenticated}/${count} connected in ${first.connectSeconds.toFixed(1)} s`);
  console.log(`  server memory per connection: ${perConnection.heap} B retained JS heap, ${perConnection.rss} B RSS (target ≤ 3 KB)`);
  console.log(`  per satellite, its hot actor included: ${perSatellite.heap} B retained JS heap, ${perSatellite.rss} B RSS`);
  console.log(`  (after full GCs; retained heap / RSS: empty node ${mib(empty.heap)} / ${mib(empty.rss)} MiB, ${count} registered ${mib(registered.heap)} / ${mib(registered.rss)} MiB, connected ${mib(connected.heap)} / ${mib(connected.rss)} MiB)`);
  console.log('\n| check history | results offered → acknowledged (target ≥ 20,000/s) | dropped over the backlog bound | health transitions (results each) | history rows | CPU per acknowledged result: node / PostgreSQL backends | health commits: transitions each, ms | history commits: results each, ms | load average at start |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const phase of reports) {
    const { transactions: t } = phase;
    console.log(
      `| ${phase.history} | ${phase.resultsOfferedPerSecond}/s → **${phase.resultsIngestedPerSecond}/s** (${phase.resultsAcknowledged} of ${phase.resultsSent}) | ${t.refusedOverBacklog} | ${phase.healthTransitions} (${phase.resultsPerTransition}) | ${phase.historyRows} | ${phase.nodeCpuMicrosPerResult} µs / ${phase.postgresCpuMicrosPerResult} µs | ${t.healthCommits}: ${t.transitionsPerHealthCommit}, ${t.healthCommitMs} ms | ${t.historyCommits}: ${t.resultsPerHistoryCommit}, ${t.historyCommitMs} ms | ${phase.loadAverage} |`,
    );
  }
  if (comparison) {
    console.log(`\nacknowledged/s, median of ${comparison.rounds} phase(s) each: history off **${comparison.medianOff}/s**, on **${comparison.medianOn}/s**: on ÷ off = **${comparison.ratioOfMedians}**`);
    console.log(`each round's on ÷ off: ${comparison.roundRatios.join(', ')}`);
  }
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
