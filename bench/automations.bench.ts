/**
 * Automation benchmark: trigger event → run started latency at a steady rate, and runs completed
 * per second, for a one-step automation (`automation.log`) on one `vigil start` process.
 *
 *   npm run bench:automations                           # 100 triggers/s for 20 s, then 5,000 as fast as possible
 *   BENCH_RATE=200 BENCH_SECONDS=10 BENCH_RUNS=10000 npm run bench:automations
 *
 * The trigger is `catalog.updated`: the bench renames systems (NATS request/reply to the node,
 * `<ns>.cmd.system.<id>`), each rename fires one trigger event, and the automation (mode
 * parallel, scope context: one scope entity per system, so runs of different systems never wait
 * for each other) starts one run per event. Times come from the runs themselves, as stored in
 * PostgreSQL (`entity_state`, kind `automation_run`), all stamped by the node's clock:
 * `trigger.at` (the rename's change), `startedAt` (the run's `start`), `endedAt` (its last step).
 *
 * Phases:
 *   warm-up     BENCH_WARMUP renames (200) at BENCH_RATE, not reported (JIT, first activations);
 *   steady      BENCH_RATE renames/s (100) for BENCH_SECONDS (20), round-robin over BENCH_SYSTEMS
 *               systems (1,000), paced so that by time t exactly ⌊t·rate⌋ were issued → latency
 *               trigger → started and trigger → ended, p50/p90/p99/max;
 *   throughput  BENCH_RUNS renames (5,000) with BENCH_IN_FLIGHT requests (256) in flight → runs
 *               completed per second (all of them, and between 10 % and 90 % of completions),
 *               time until all are done.
 * Every phase checks that each rename produced exactly one run and that it succeeded; a missing,
 * duplicated or unsuccessful run is reported (and makes the exit code 1). Per phase it also
 * reports the time per stage (from the stored transitions), CPU of the node, PostgreSQL and
 * nats-server, the node's event-loop utilization (through its inspector: the node runs with
 * `--inspect=127.0.0.1:0`) and PostgreSQL's counters per run. Other knobs: BENCH_STALL_MS (give
 * up waiting when no run moved for this long, 20 s), BENCH_LOG_LEVEL (the node's, info: warn
 * hides the ready line NodeProcess waits for), BENCH_NODE_ARGS (flags for the node, e.g.
 * "--cpu-prof --cpu-prof-dir=/tmp/prof").
 *
 * Prints one JSON line, then a table; progress on stderr.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect as natsConnect } from '@nats-io/transport-node';
import pg from 'pg';
import WebSocket from 'ws';
import type { CommandReply } from '../actors/index.ts';
import { subjectsFor } from '../bus/index.ts';
import { commandHeaders, createTestDatabase, createTestNamespace, NATS_URL } from '../test/support/isolation.ts';
import { benchNode } from './support/bench-node.ts';
import { CLOCK_TICKS, machineTicks, serverTicks, ticksOf } from './support/proc-cpu.ts';

const rate = Number(process.env.BENCH_RATE ?? 100);
const steadySeconds = Number(process.env.BENCH_SECONDS ?? 20);
const throughputRuns = Number(process.env.BENCH_RUNS ?? 5_000);
const systemCount = Number(process.env.BENCH_SYSTEMS ?? 1_000);
const warmupRuns = Number(process.env.BENCH_WARMUP ?? 200);
const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 256);
/** A phase gives up waiting for its runs when none finished for this long. */
const stallMs = Number(process.env.BENCH_STALL_MS ?? 20_000);
const AUTOMATION_ID = 'bench-log';

const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 23)}] ${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits = 1) => Number(value.toFixed(digits));

function percentiles(values: number[]) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.at(-1)!, mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length) };
}

// CPU per phase, in cores: the node process, PostgreSQL (all its processes), nats-server, the
// bench itself, and the machine (busy = user + system of /proc/stat).
/** The node's own ticks and the servers' (see bench/support/proc-cpu.ts). */
function processTicks(nodePid: number) {
  return { node: ticksOf(nodePid), ...serverTicks() };
}
function machineBusyTicks() {
  const [user = 0, system = 0] = machineTicks();
  return user + system;
}
function cpuWindow(nodePid: number) {
  const started = Date.now();
  const ticks0 = processTicks(nodePid);
  const machine0 = machineBusyTicks();
  const own0 = process.cpuUsage();
  return () => {
    const seconds = (Date.now() - started) / 1000;
    const ticks = processTicks(nodePid);
    const own = process.cpuUsage(own0);
    const cores = (delta: number) => round(delta / CLOCK_TICKS / seconds, 2);
    return {
      node: cores(ticks.node - ticks0.node),
      postgres: cores(ticks.postgres - ticks0.postgres),
      natsServer: cores(ticks.nats - ticks0.nats),
      bench: round((own.user + own.system) / 1e6 / seconds, 2),
      machineBusy: cores(machineBusyTicks() - machine0),
      nodeCpuSeconds: (ticks.node - ticks0.node) / CLOCK_TICKS,
    };
  };
}
/**
 * A measured phase: CPU in cores (the node, all PostgreSQL processes of the machine, the backends
 * of this database alone, the bench's own backend, nats-server, the bench) and PostgreSQL's
 * counters for this database. `stop(runs)` closes the CPU window at once; the counters are read
 * 1.5 s later (backends flush them about once a second).
 */
async function phaseWindow(nodePid: number) {
  const eventLoop = await probe!.window();
  const cpu = cpuWindow(nodePid);
  const started = Date.now();
  const backends0 = await databaseBackends();
  const backendTicks0 = new Map(backends0.pids.map((pid) => [pid, ticksOf(pid)]));
  const counters0 = await databaseCounters();
  return async (runs: number) => {
    const seconds = (Date.now() - started) / 1000;
    const backends = await databaseBackends();
    const delta = (pid: number) => ticksOf(pid) - (backendTicks0.get(pid) ?? 0);
    const cores = withUnattributed(cpu());
    const nodeEventLoopUtilization = await eventLoop();
    const ourDatabase = round(backends.pids.reduce((sum, pid) => sum + delta(pid), 0) / CLOCK_TICKS / seconds, 2);
    const benchBackend = round(delta(backends.bench) / CLOCK_TICKS / seconds, 2);
    await sleep(1_500);
    const counters1 = await databaseCounters();
    const perRun = Object.fromEntries(Object.keys(counters1).map((key) => [key, round((counters1[key]! - counters0[key]!) / Math.max(1, runs), 1)]));
    return {
      cpuCores: { ...cores, postgresThisDatabase: ourDatabase, postgresBenchQueries: benchBackend },
      nodeEventLoopUtilization,
      nodeCpuMsPerRun: round((cores.nodeCpuSeconds * 1000) / Math.max(1, runs), 2),
      postgresCpuMsPerRun: round(((ourDatabase - benchBackend) * seconds * 1000) / Math.max(1, runs), 2),
      postgresPerRun: perRun,
    };
  };
}

/** Adds the busy CPU none of the measured processes explains: kernel work and other programs on the machine. */
function withUnattributed(cpu: ReturnType<ReturnType<typeof cpuWindow>>) {
  return { ...cpu, unattributed: round(Math.max(0, cpu.machineBusy - cpu.node - cpu.postgres - cpu.natsServer - cpu.bench), 2) };
}

/**
 * The node's event-loop utilization over a phase, read through its inspector (the node runs with
 * `--inspect=127.0.0.1:0`): 1.0 means its one JS thread never waited, i.e. it was the limit.
 */
class EventLoopProbe {
  private nextId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: { result?: { value?: unknown } } };
      if (message.id !== undefined) this.pending.get(message.id)?.(message.result?.result?.value);
    });
  }
  static async connect(output: string): Promise<EventLoopProbe> {
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
    if (!url) throw new Error('no "Debugger listening" line in the node output');
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new EventLoopProbe(ws);
  }
  private evaluate(expression: string): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ id, method: 'Runtime.evaluate', params: { expression, returnByValue: true } }));
    });
  }
  /** Starts a window; the returned function gives the utilization since. */
  async window(): Promise<() => Promise<number>> {
    const key = `__benchElu${this.nextId}`;
    await this.evaluate(`globalThis.${key} = performance.eventLoopUtilization(); 0`);
    return async () => round(Number(await this.evaluate(`performance.eventLoopUtilization(globalThis.${key}).utilization`)), 2);
  }
  close(): void {
    this.ws.close();
  }
}

/** The commit measured, `+dirty` when the working tree has changes. */
function gitCommit(): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}+dirty` : head;
  } catch {
    return null;
  }
}

interface RunRow {
  id: string;
  status: string;
  startedAt: number;
  endedAt: number | null;
  triggerAt: number;
  sourceId: string;
  sourceVersion: number;
}

const database = await createTestDatabase();
const namespace = createTestNamespace();
const node = benchNode({
  databaseUrl: database.url,
  namespace: namespace.namespace,
  // The node's own defaults (the test environment polls every 200 ms). The log stays at info:
  // NodeProcess waits for the "vigil node ready" line; the automation logs at debug.
  env: { VIGIL_OUTBOX_POLL_MS: '1000', VIGIL_TIMER_POLL_MS: '1000', VIGIL_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info' },
});

let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  // SIGTERM when profiling: --cpu-prof writes its profile on a clean exit only.
  await node.kill(process.env.BENCH_NODE_ARGS ? 'SIGTERM' : 'SIGKILL').catch(() => undefined);
  await namespace.cleanup().catch(() => undefined);
  await database.drop().catch(() => undefined);
}
const watchdog = setTimeout(() => {
  log('watchdog: the bench took more than 10 minutes; aborting');
  void cleanup().finally(() => process.exit(1));
}, 600_000);
watchdog.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanup().finally(() => process.exit(130)));

const nc = await natsConnect({ servers: NATS_URL });
const subjects = subjectsFor(namespace.namespace);
const client = new pg.Client({ connectionString: database.url });
let exitCode = 0;
let probe: EventLoopProbe | undefined;

/** A command to the node (any owner: the node routes it); returns the committed change's version. */
async function command(kind: string, id: string, event: Record<string, unknown>): Promise<number | null> {
  const reply = (await nc.request(subjects.command(kind, id), JSON.stringify(event), { timeout: 60_000, headers: commandHeaders() })).json<CommandReply>();
  if (!reply.ok) throw new Error(`${kind} ${id} ${String(event.type)}: ${reply.error.code} ${reply.error.message}`);
  return (reply.change as { version: number } | null)?.version ?? null;
}

let renameCounter = 0;
/** Renames system `index % systemCount`: one change, one `catalog.updated`. Returns its key. */
async function rename(index: number): Promise<string> {
  const id = `sys${index % systemCount}`;
  const version = await command('system', id, { type: 'update', name: `${id} #${++renameCounter}` });
  if (version === null) throw new Error(`renaming ${id} changed nothing`);
  return `${id}:${version}`;
}

async function runRows(): Promise<RunRow[]> {
  const { rows } = await client.query(
    `select id, state->>'status' as status, (state->>'startedAt')::bigint as started, (state->>'endedAt')::bigint as ended,
            (state->'trigger'->>'at')::bigint as trigger_at, state->'trigger'->'source'->>'id' as source_id,
            (state->'trigger'->'source'->>'version')::int as source_version
       from entity_state where kind = 'automation_run'`,
  );
  return rows.map((row) => ({
    id: row.id,
    status: row.status,
    startedAt: Number(row.started),
    endedAt: row.ended === null ? null : Number(row.ended),
    triggerAt: Number(row.trigger_at),
    sourceId: row.source_id,
    sourceVersion: row.source_version,
  }));
}

/** Runs, and runs ended (any outcome; whether they succeeded is checked per phase afterwards). Cheap: no state parsed. */
async function countRuns() {
  const { rows } = await client.query(
    `select count(*) as total, count(*) filter (where state_value = '"ended"'::jsonb) as ended from entity_state where kind = 'automation_run'`,
  );
  return { total: Number(rows[0].total), ended: Number(rows[0].ended) };
}

/** PostgreSQL's work for this database (pg_stat_database; flushed by backends about once a second). */
async function databaseCounters(): Promise<Record<string, number>> {
  const { rows } = await client.query(
    `select xact_commit, tup_returned, tup_fetched, tup_inserted, tup_updated, tup_deleted, blks_hit + blks_read as blocks
       from pg_stat_database where datname = current_database()`,
  );
  return Object.fromEntries(Object.entries(rows[0] as Record<string, string>).map(([key, value]) => [key, Number(value)]));
}

/** Backends of this database (the node's pool and the bench's own client): their CPU is ours, unlike other databases' on the shared server. */
async function databaseBackends(): Promise<{ pids: number[]; bench: number }> {
  const { rows } = await client.query(`select pid, pid = pg_backend_pid() as own from pg_stat_activity where datname = current_database()`);
  return { pids: rows.map((row) => row.pid as number), bench: rows.find((row) => row.own)!.pid as number };
}
async function transitionCounts(): Promise<Record<string, number>> {
  const { rows } = await client.query(`select kind, count(*) as n from entity_transitions group by kind`);
  return Object.fromEntries(rows.map((row) => [row.kind, Number(row.n)]));
}

/**
 * Waits until `expectedTotal` runs exist and have ended (all phases so far), or nothing moved
 * for `stallMs`. Samples the number of succeeded runs on the way (for the timeline).
 */
async function waitForRuns(expectedTotal: number, timeline?: Array<[number, number]>, since = Date.now()) {
  let last = { total: -1, ended: -1 };
  let lastMove = Date.now();
  for (;;) {
    const counts = await countRuns();
    timeline?.push([Date.now() - since, counts.ended]);
    if (counts.ended >= expectedTotal && counts.total >= expectedTotal) return counts;
    if (counts.ended !== last.ended || counts.total !== last.total) lastMove = Date.now();
    else if (Date.now() - lastMove > stallMs) {
      log(`  no run moved for ${stallMs} ms: ${counts.total} runs, ${counts.ended} ended, ${expectedTotal} expected; giving up waiting`);
      return counts;
    }
    last = counts;
    await sleep(250);
  }
}

/**
 * Where a run's time goes, from the stored transitions (`at`: when the node applied the event,
 * node clock; `committed_at`: when its row was written, PostgreSQL clock, same machine):
 *   renameCommit   trigger.at → the rename's row written (commit batch wait)
 *   routing        → the scope's `fire` applied (outbox publish, JetStream, trigger router, filter)
 *   fireCommit     → the fire's row written
 *   start          → the run's `start` applied (scope change published, scope reactor, dispatch)
 *   step           → run v2 applied = endedAt (start committed and published, run driver,
 *                    conditions and the automation.log step, recorded with the run's end)
 */
async function stageBreakdown(runIds: Set<string>) {
  const { rows } = await client.query(
    `select r.id,
            (r.state->'trigger'->>'at')::bigint as trigger_at,
            extract(epoch from s.committed_at) * 1000 as rename_written,
            f.at as fire_at, extract(epoch from f.committed_at) * 1000 as fire_written,
            max(t.at) filter (where t.version = 1) as v1, max(t.at) filter (where t.version = 2) as v2
       from entity_state r
       join entity_transitions s on s.kind = 'system' and s.id = r.state->'trigger'->'source'->>'id'
                                and s.version = (r.state->'trigger'->'source'->>'version')::int
       left join entity_transitions f on f.kind = 'automation_scope' and f.id = r.state->>'scopeId'
                                and f.event->>'type' = 'fire' and f.next->'lastDecision'->>'runId' = r.id
       join entity_transitions t on t.kind = 'automation_run' and t.id = r.id
      where r.kind = 'automation_run'
      group by r.id, r.state, s.committed_at, f.at, f.committed_at`,
  );
  const stages: Record<string, number[]> = { renameCommit: [], routing: [], fireCommit: [], start: [], step: [] };
  const push = (name: string, to: unknown, from: unknown) => {
    if (to !== null && from !== null) stages[name]!.push(Math.round(Number(to) - Number(from)));
  };
  for (const row of rows) {
    if (!runIds.has(row.id)) continue;
    push('renameCommit', row.rename_written, row.trigger_at);
    push('routing', row.fire_at, row.rename_written);
    push('fireCommit', row.fire_written, row.fire_at);
    push('start', row.v1, row.fire_written);
    push('step', row.v2, row.v1);
  }
  return Object.fromEntries(Object.entries(stages).map(([name, values]) => [name, percentiles(values)]));
}

/** The runs of one phase (by the renames it issued) and what is wrong with them. */
function checkRuns(phase: string, keys: Set<string>, rows: RunRow[]) {
  const byKey = new Map<string, RunRow[]>();
  for (const row of rows) {
    const key = `${row.sourceId}:${row.sourceVersion}`;
    if (!keys.has(key)) continue;
    byKey.set(key, [...(byKey.get(key) ?? []), row]);
  }
  const runs = [...byKey.values()].flat();
  const missing = [...keys].filter((key) => !byKey.has(key));
  const duplicated = [...byKey.entries()].filter(([, list]) => list.length > 1);
  const statuses: Record<string, number> = {};
  for (const run of runs) statuses[run.status] = (statuses[run.status] ?? 0) + 1;
  const notSucceeded = runs.filter((run) => run.status !== 'succeeded');
  const problems = missing.length + duplicated.length + notSucceeded.length;
  if (problems > 0) {
    exitCode = 1;
    log(`!!! ${phase}: ${keys.size} renames → ${runs.length} runs; ${missing.length} renames without a run, ${duplicated.length} with more than one, ${notSucceeded.length} runs not succeeded ${JSON.stringify(statuses)}`);
    if (missing.length > 0) log(`!!!   without a run (first 10): ${missing.slice(0, 10).join(', ')}`);
    if (duplicated.length > 0) log(`!!!   duplicated (first 5): ${duplicated.slice(0, 5).map(([key, list]) => `${key} → ${list.map((run) => run.id).join(' ')}`).join('; ')}`);
    if (notSucceeded.length > 0) log(`!!!   not succeeded (first 5): ${notSucceeded.slice(0, 5).map((run) => `${run.id} ${run.status}`).join('; ')}`);
  }
  return {
    runs,
    check: { renames: keys.size, runsFound: runs.length, missing: missing.length, duplicated: duplicated.length, statuses, ok: problems === 0 },
  };
}

/** Issues renames at `perSecond` for `count` renames, paced: by time t, ⌊t·rate⌋ are issued. */
async function paced(count: number, perSecond: number, offset: number) {
  const keys = new Set<string>();
  const pending: Array<Promise<void>> = [];
  const started = performance.now();
  let issued = 0;
  let failures = 0;
  while (issued < count) {
    const due = Math.min(count, Math.floor(((performance.now() - started) / 1000) * perSecond));
    while (issued < due) {
      const index = offset + issued++;
      pending.push(
        rename(index).then(
          (key) => void keys.add(key),
          (error) => {
            failures++;
            if (failures <= 5) log(`  rename failed: ${(error as Error).message}`);
          },
        ),
      );
    }
    await sleep(1);
  }
  await Promise.all(pending);
  return { keys, failures, seconds: (performance.now() - started) / 1000 };
}

try {
  await node.start();
  await client.connect();
  probe = await EventLoopProbe.connect(node.output);
  log(`node ${node.pid} ready; creating ${systemCount} systems`);
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < systemCount) {
        const id = `sys${next++}`;
        await command('system', id, { type: 'create', name: id });
      }
    }),
  );
  await command('automation', AUTOMATION_ID, {
    type: 'save',
    definition: {
      id: AUTOMATION_ID,
      name: 'bench: log every system update',
      mode: 'parallel',
      max: 1000,
      scope: 'context',
      triggers: [{ id: 'updated', event: 'catalog.updated' }],
      // debug: the node logs at info, so the message is formatted but not written.
      actions: [{ action: 'automation.log', config: { message: 'updated {{ trigger.payload.systemId }}', level: 'debug' } }],
    },
  });
  // The save reaches the node's trigger router through a broadcast of the change.
  await sleep(1_000);
  let expectedTotal = 0;

  log(`warm-up: ${warmupRuns} renames at ${rate}/s`);
  const warm = await paced(warmupRuns, rate, 0);
  expectedTotal += warm.keys.size;
  await waitForRuns(expectedTotal);
  const warmup = checkRuns('warm-up', warm.keys, await runRows()).check;
  let offset = warmupRuns;

  // ---- steady rate -------------------------------------------------------------------------
  const steadyCount = Math.round(rate * steadySeconds);
  log(`steady: ${steadyCount} renames at ${rate}/s (${steadySeconds} s)`);
  const transitions0 = await transitionCounts();
  const steadyWindow = await phaseWindow(node.pid!);
  const steadyIssue = await paced(steadyCount, rate, offset);
  offset += steadyCount;
  expectedTotal += steadyIssue.keys.size;
  await waitForRuns(expectedTotal);
  const transitions1 = await transitionCounts();
  const steadyResult = checkRuns('steady', steadyIssue.keys, await runRows());
  const steadyRuns = steadyResult.runs;
  const steadyMeasured = await steadyWindow(steadyRuns.length);
  const steady = {
    rate,
    seconds: steadySeconds,
    issuedPerSecond: round(steadyIssue.keys.size / steadyIssue.seconds, 1),
    renameFailures: steadyIssue.failures,
    ...steadyResult.check,
    triggerToStartedMs: percentiles(steadyRuns.map((run) => run.startedAt - run.triggerAt)),
    triggerToEndedMs: percentiles(steadyRuns.filter((run) => run.endedAt !== null).map((run) => run.endedAt! - run.triggerAt)),
    startedToEndedMs: percentiles(steadyRuns.filter((run) => run.endedAt !== null).map((run) => run.endedAt! - run.startedAt)),
    stagesMs: await stageBreakdown(new Set(steadyRuns.map((run) => run.id))),
    transitionsPerRun: Object.fromEntries(
      Object.keys(transitions1).map((kind) => [kind, round(((transitions1[kind] ?? 0) - (transitions0[kind] ?? 0)) / Math.max(1, steadyRuns.length), 2)]),
    ),
    ...steadyMeasured,
  };
  log(`  trigger → started p50 ${steady.triggerToStartedMs?.p50} / p99 ${steady.triggerToStartedMs?.p99} ms; trigger → ended p50 ${steady.triggerToEndedMs?.p50} / p99 ${steady.triggerToEndedMs?.p99} ms`);

  // ---- throughput --------------------------------------------------------------------------
  log(`throughput: ${throughputRuns} renames, ${inFlight} in flight`);
  const throughputWindow = await phaseWindow(node.pid!);
  const timeline: Array<[number, number]> = [];
  const before = await countRuns();
  const phaseStart = Date.now();
  const keys = new Set<string>();
  let renameFailures = 0;
  let cursor = 0;
  const issuing = Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (cursor < throughputRuns) {
        const index = offset + cursor++;
        try {
          keys.add(await rename(index));
        } catch (error) {
          if (++renameFailures <= 5) log(`  rename failed: ${(error as Error).message}`);
        }
      }
    }),
  ).then(() => Date.now());
  const waiting = (async () => {
    // Samples while the renames are issued, then until every run ended.
    let issuedAt: number | undefined;
    void issuing.then((at) => (issuedAt = at));
    while (issuedAt === undefined) {
      timeline.push([Date.now() - phaseStart, (await countRuns()).ended]);
      await sleep(250);
    }
    return waitForRuns(expectedTotal + keys.size, timeline, phaseStart);
  })();
  const renamesDoneAt = await issuing;
  await waiting;
  offset += throughputRuns;
  expectedTotal += keys.size;
  const throughputResult = checkRuns('throughput', keys, await runRows());
  const throughputMeasured = await throughputWindow(throughputResult.runs.length);
  const ended = throughputResult.runs
    .filter((run) => run.endedAt !== null)
    .map((run) => run.endedAt!)
    .sort((a, b) => a - b);
  const lastEnded = ended.at(-1) ?? phaseStart;
  const at = (fraction: number) => ended[Math.min(ended.length - 1, Math.floor(fraction * ended.length))] ?? phaseStart;
  const throughput = {
    inFlight,
    renameFailures,
    renamesAcceptedPerSecond: round(keys.size / ((renamesDoneAt - phaseStart) / 1000), 0),
    renamesSeconds: round((renamesDoneAt - phaseStart) / 1000, 2),
    ...throughputResult.check,
    runsCompletedPerSecond: round(ended.length / ((lastEnded - phaseStart) / 1000), 0),
    /** Completions between the 10th and the 90th percentile of end times: the rate without ramp-up and tail. */
    runsCompletedPerSecondMiddle: round((0.8 * ended.length) / Math.max(0.001, (at(0.9) - at(0.1)) / 1000), 0),
    secondsUntilAllDone: round((lastEnded - phaseStart) / 1000, 2),
    endedBefore: before.ended,
    triggerToStartedMs: percentiles(throughputResult.runs.map((run) => run.startedAt - run.triggerAt)),
    triggerToEndedMs: percentiles(throughputResult.runs.filter((run) => run.endedAt !== null).map((run) => run.endedAt! - run.triggerAt)),
    stagesMs: await stageBreakdown(new Set(throughputResult.runs.map((run) => run.id))),
    ...throughputMeasured,
    /** [ms since the phase started, runs ended in total], about every 250 ms, thinned to ≤ 60 points. */
    timeline: timeline.filter((_, index) => index % Math.max(1, Math.ceil(timeline.length / 60)) === 0),
  };

  const final = { ...(await countRuns()), succeeded: (await runRows()).filter((run) => run.status === 'succeeded').length };
  const report = {
    commit: gitCommit(),
    loadAverage1m: round(Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]), 2),
    systems: systemCount,
    automation: { mode: 'parallel', scope: 'context', steps: 1, action: 'automation.log' },
    warmup,
    steady,
    throughput,
    totals: { renamesWithRun: expectedTotal, runs: final.total, succeeded: final.succeeded, ok: final.total === expectedTotal && final.succeeded === expectedTotal },
    nodeWarnings: (node.output.match(/"level":(40|50|60)/g) ?? []).length,
  };
  if (!report.totals.ok) exitCode = 1;
  console.log(JSON.stringify(report));
  const stagesLine = (stages: Record<string, ReturnType<typeof percentiles>>) =>
    Object.entries(stages).map(([name, value]) => `${name} ${value?.p50 ?? '-'}/${value?.p99 ?? '-'}`).join(', ') + ' ms';
  const p = (value: ReturnType<typeof percentiles>) => (value ? `p50 ${value.p50} / p90 ${value.p90} / p99 ${value.p99} / max ${value.max} ms` : 'n/a');
  console.log(`\nautomations on one node: one-step automation (automation.log), mode parallel, scope context, ${systemCount} systems`);
  console.log(`  steady ${rate} triggers/s for ${steadySeconds} s (${steady.issuedPerSecond}/s issued): ${steady.runsFound} runs for ${steady.renames} trigger events (${steady.ok ? 'all one each, succeeded' : 'MISMATCH'})`);
  console.log(`    trigger → run started  ${p(steady.triggerToStartedMs)}`);
  console.log(`    trigger → run ended    ${p(steady.triggerToEndedMs)}`);
  console.log(`    node CPU ${steady.cpuCores.node} cores (${steady.nodeCpuMsPerRun} ms per run; event loop ${steady.nodeEventLoopUtilization} busy), PostgreSQL ${steady.cpuCores.postgres} (this database ${steady.cpuCores.postgresThisDatabase}, of it bench queries ${steady.cpuCores.postgresBenchQueries}; ${steady.postgresCpuMsPerRun} ms per run), nats-server ${steady.cpuCores.natsServer}, machine busy ${steady.cpuCores.machineBusy} of 2 (${steady.cpuCores.unattributed} other)`);
  console.log(`    stages p50/p99: ${stagesLine(steady.stagesMs)}`);
  console.log(`    per run: PostgreSQL ${Object.entries(steady.postgresPerRun).map(([key, n]) => `${key} ${n}`).join(', ')}`);
  console.log(`    transitions per run: ${Object.entries(steady.transitionsPerRun).map(([kind, n]) => `${kind} ${n}`).join(', ')}`);
  console.log(`  throughput: ${throughputRuns} renames (${throughput.inFlight} in flight, accepted at ${throughput.renamesAcceptedPerSecond}/s in ${throughput.renamesSeconds} s): ${throughput.runsFound} runs (${throughput.ok ? 'all one each, succeeded' : 'MISMATCH'})`);
  console.log(`    runs completed: ${throughput.runsCompletedPerSecond}/s overall (all done after ${throughput.secondsUntilAllDone} s), ${throughput.runsCompletedPerSecondMiddle}/s between 10 % and 90 % done`);
  console.log(`    trigger → run started  ${p(throughput.triggerToStartedMs)}  (backlog)`);
  console.log(`    stages p50/p99: ${stagesLine(throughput.stagesMs)}`);
  console.log(`    node CPU ${throughput.cpuCores.node} cores (${throughput.nodeCpuMsPerRun} ms per run; event loop ${throughput.nodeEventLoopUtilization} busy), PostgreSQL ${throughput.cpuCores.postgres} (this database ${throughput.cpuCores.postgresThisDatabase}, of it bench queries ${throughput.cpuCores.postgresBenchQueries}; ${throughput.postgresCpuMsPerRun} ms per run), nats-server ${throughput.cpuCores.natsServer}, bench ${throughput.cpuCores.bench}, machine busy ${throughput.cpuCores.machineBusy} of 2 (${throughput.cpuCores.unattributed} other)`);
  console.log(`  total: ${report.totals.runs} runs, ${report.totals.succeeded} succeeded, for ${report.totals.renamesWithRun} trigger events${report.totals.ok ? '' : '  <<< MISMATCH'}; node warnings/errors logged: ${report.nodeWarnings}`);
  if (process.env.BENCH_DEBUG) log(node.output.slice(-3000));
} catch (error) {
  exitCode = 1;
  log(`failed: ${(error as Error).stack ?? error}\nnode output (tail):\n${node.output.slice(-3000)}`);
} finally {
  probe?.close();
  await client.end().catch(() => undefined);
  await nc.close().catch(() => undefined);
  await cleanup();
  clearTimeout(watchdog);
}
process.exitCode = exitCode;
