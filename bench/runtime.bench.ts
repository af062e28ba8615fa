/**
 * Vigil runtime benchmark: raw PostgreSQL and JetStream ceilings next to what one Vigil node
 * achieves on the same machine, in the same run. See bench/README.md.
 *
 *   npm run bench                      # default scale (~1 minute)
 *   BENCH_SCALE=0.2 npm run bench      # quicker, noisier
 *   npm run bench -- --scale=0.5 --only=vigil,latency
 *
 * Prints ONE JSON line on stdout (starts with `{`), then a human table. Progress goes to stderr.
 * Everything it creates (a database `vigil_bench_<random>`, streams of namespace `b<random>`,
 * a temp data dir) is removed at the end, also on failure or Ctrl-C.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DiscardPolicy, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import pg from 'pg';
import { CLOCK_TICKS, machineTicks, serverTicks } from './support/proc-cpu.ts';

// ---------------------------------------------------------------------------------------------

interface Options {
  scale: number;
  only: Set<string>;
  postgresAdminUrl: string;
  natsUrl: string;
  pgConcurrency: number;
  pgBatch: number;
  jsWindow: number;
  entities: number;
  inFlight: number;
  latencyRate: number;
  memoryEntities: number;
}

function options(): Options {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const num = (name: string, envName: string, fallback: number) => Number(arg(name) ?? process.env[envName] ?? fallback);
  const scale = num('scale', 'BENCH_SCALE', 1);
  const only = (arg('only') ?? process.env.BENCH_ONLY ?? 'pg,js,vigil,latency,memory').split(',').map((s) => s.trim());
  return {
    scale,
    only: new Set(only),
    postgresAdminUrl: process.env.BENCH_POSTGRES_URL ?? process.env.VIGIL_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
    natsUrl: process.env.BENCH_NATS_URL ?? process.env.VIGIL_TEST_NATS_URL ?? 'nats://127.0.0.1:4222',
    pgConcurrency: num('pg-concurrency', 'BENCH_PG_CONCURRENCY', 3),
    pgBatch: num('pg-batch', 'BENCH_PG_BATCH', 100),
    jsWindow: num('js-window', 'BENCH_JS_WINDOW', 1000),
    entities: Math.max(100, Math.round(num('entities', 'BENCH_ENTITIES', 10_000) * scale)),
    inFlight: num('in-flight', 'BENCH_IN_FLIGHT', 2000),
    latencyRate: num('rate', 'BENCH_RATE', 1000),
    memoryEntities: Math.max(100, Math.round(num('memory-entities', 'BENCH_MEMORY_ENTITIES', 20_000) * scale)),
  };
}

const log = (...parts: unknown[]) => console.error(`[bench ${new Date().toISOString().slice(11, 23)}]`, ...parts);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.now();
const round = (value: number, digits = 0) => Number(value.toFixed(digits));

// ---------------------------------------------------------------------------------------------
// CPU accounting: this process, and the PostgreSQL / nats-server processes of the machine
// (read from /proc; they are local here). Shows which side saturates the 2 cores.
// ---------------------------------------------------------------------------------------------
interface CpuWindow {
  stop(): { benchProcess: number; postgres: number; natsServer: number; unattributed: number; machine: { user: number; system: number; iowait: number; steal: number; idle: number } };
}
/** CPU used during a window, in cores (1.0 = one core busy the whole time). */
function cpuWindow(): CpuWindow {
  const t0 = now();
  const own0 = process.cpuUsage();
  const servers0 = serverTicks();
  const machine0 = machineTicks();
  return {
    stop() {
      const seconds = (now() - t0) / 1000;
      const own = process.cpuUsage(own0);
      const servers = serverTicks();
      const machine = machineTicks().map((ticks, i) => round((ticks - machine0[i]!) / CLOCK_TICKS / seconds, 2));
      const benchProcess = round((own.user + own.system) / 1e6 / seconds, 2);
      const postgres = round(Math.max(0, servers.postgres - servers0.postgres) / CLOCK_TICKS / seconds, 2);
      const natsServer = round(Math.max(0, servers.nats - servers0.nats) / CLOCK_TICKS / seconds, 2);
      return {
        benchProcess,
        postgres,
        natsServer,
        // Busy CPU not explained by the three above: kernel work (loopback TCP, fsync) and any other
        // program on the machine. Large values mean a noisy run.
        unattributed: round(Math.max(0, machine[0]! + machine[1]! - benchProcess - postgres - natsServer), 2),
        machine: { user: machine[0]!, system: machine[1]!, iowait: machine[2]!, steal: machine[3]!, idle: machine[4]! },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Optional CPU profile of a phase (BENCH_PROFILE=<dir>): writes <dir>/<phase>.cpuprofile (open it
// in Chrome DevTools) and summarizes self time by package and by function into the JSON.
// ---------------------------------------------------------------------------------------------
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
let inspector: Session | undefined;
async function startProfile(): Promise<boolean> {
  if (!process.env.BENCH_PROFILE) return false;
  if (!inspector) {
    inspector = new Session();
    inspector.connect();
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.setSamplingInterval', { interval: 250 });
  }
  await inspector.post('Profiler.start');
  return true;
}
async function stopProfile(phase: string) {
  if (!inspector || !process.env.BENCH_PROFILE) return undefined;
  const { profile } = (await inspector.post('Profiler.stop')) as { profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] } };
  mkdirSync(process.env.BENCH_PROFILE, { recursive: true });
  writeFileSync(join(process.env.BENCH_PROFILE, `${phase}.cpuprofile`), JSON.stringify(profile));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0) || 1;
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, micros] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const pkg = !url
      ? functionName.startsWith('(') ? functionName : '(native)'
      : url.includes('node_modules/')
        ? url.split('node_modules/').pop()!.split('/').slice(0, url.split('node_modules/').pop()!.startsWith('@') ? 2 : 1).join('/')
        : url.startsWith('node:')
          ? 'node:internal'
          : `vigil:${url.replace(/^file:\/\//, '').split('/').slice(-2, -1)[0]}`;
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
    const fn = `${functionName || '(anonymous)'} ${url.split('/').pop()}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
  }
  const top = (map: Map<string, number>, n: number) =>
    Object.fromEntries([...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => [k, `${round((v / total) * 100, 1)}%`]));
  return { seconds: round(total / 1e6, 2), byPackage: top(byPackage, 15), byFunction: top(byFunction, 20) };
}

function percentiles(values: number[]) {
  if (values.length === 0) return { count: 0, p50: null, p90: null, p99: null, max: null, mean: null };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!, 2);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { count: values.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(sorted[sorted.length - 1]!, 2), mean: round(mean, 2) };
}

/** Runs `task(0..count-1)` with exactly `concurrency` in flight. */
async function pool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

// ---------------------------------------------------------------------------------------------
// Instrumentation of the runtime from the outside: wraps TransitionStore.commit / load and
// OutboxStore.relay on their prototypes (the node uses the same module instances).
// ---------------------------------------------------------------------------------------------
interface Stats {
  commitBatches: number;
  commitItems: number;
  commitMs: number;
  commitMaxItems: number;
  commitMaxMs: number;
  loads: number;
  loadMs: number;
  relayBatches: number;
  relayRows: number;
  relayMs: number;
  relayPublishMs: number;
}
const emptyStats = (): Stats => ({
  commitBatches: 0, commitItems: 0, commitMs: 0, commitMaxItems: 0, commitMaxMs: 0,
  loads: 0, loadMs: 0, relayBatches: 0, relayRows: 0, relayMs: 0, relayPublishMs: 0,
});
let stats = emptyStats();

async function instrument(): Promise<void> {
  const { TransitionStore, OutboxStore } = await import('../persistence/index.ts');
  const commit = TransitionStore.prototype.commit;
  TransitionStore.prototype.commit = async function (this: InstanceType<typeof TransitionStore>, ...args: Parameters<typeof commit>) {
    const [batch] = args;
    const t0 = now();
    try {
      return await commit.apply(this, args);
    } finally {
      const ms = now() - t0;
      // A batch item is one transition, or (newer runtime) one entity's commit holding `transitions`.
      const items = (batch as Array<{ transitions?: unknown[] }>).reduce((n, item) => n + (item.transitions?.length ?? 1), 0);
      stats.commitBatches++;
      stats.commitItems += items;
      stats.commitMs += ms;
      stats.commitMaxItems = Math.max(stats.commitMaxItems, items);
      stats.commitMaxMs = Math.max(stats.commitMaxMs, ms);
    }
  };
  const load = TransitionStore.prototype.load;
  TransitionStore.prototype.load = async function (this: InstanceType<typeof TransitionStore>, ...args: Parameters<typeof load>) {
    const t0 = now();
    try {
      return await load.apply(this, args);
    } finally {
      stats.loads++;
      stats.loadMs += now() - t0;
    }
  };
  const relay = OutboxStore.prototype.relay;
  OutboxStore.prototype.relay = async function (this: InstanceType<typeof OutboxStore>, ...args: Parameters<typeof relay>) {
    const [limit, publish, ...rest] = args;
    const t0 = now();
    let publishMs = 0;
    const count = await relay.call(this, limit, async (rows) => {
      const p0 = now();
      try {
        await publish(rows);
      } finally {
        publishMs = now() - p0;
      }
    }, ...(rest as []));
    if (count > 0) {
      stats.relayBatches++;
      stats.relayRows += count;
      stats.relayMs += now() - t0;
      stats.relayPublishMs += publishMs;
    }
    return count;
  };
}

function summarize(s: Stats, seconds: number) {
  return {
    commitBatches: s.commitBatches,
    avgTransitionsPerBatch: s.commitBatches ? round(s.commitItems / s.commitBatches, 1) : 0,
    maxTransitionsPerBatch: s.commitMaxItems,
    avgCommitMs: s.commitBatches ? round(s.commitMs / s.commitBatches, 2) : 0,
    maxCommitMs: round(s.commitMaxMs, 1),
    commitBusy: round(s.commitMs / 1000 / seconds, 2), // sum of transaction time / wall time (2 may run at once)
    activationLoads: s.loads,
    avgLoadMs: s.loads ? round(s.loadMs / s.loads, 2) : 0,
    relayBatches: s.relayBatches,
    avgRowsPerRelayBatch: s.relayBatches ? round(s.relayRows / s.relayBatches, 1) : 0,
    avgRelayBatchMs: s.relayBatches ? round(s.relayMs / s.relayBatches, 2) : 0,
    avgRelayPublishMs: s.relayBatches ? round(s.relayPublishMs / s.relayBatches, 2) : 0,
    relayRowsPerSecondWhileBusy: s.relayMs ? round(s.relayRows / (s.relayMs / 1000)) : 0,
  };
}

// ---------------------------------------------------------------------------------------------

async function main(gc: () => void): Promise<number> {
  const opts = options();
  // What-if knob (not for normal runs): BENCH_STACK_TRACE_LIMIT=0 makes every `new Error()` cheap.
  // Shows what the Errors created on the hot path cost (XState's throwaway inert actor whose
  // context factory throws on each `transition()`, nats.js creating a RequestError per ack).
  if (process.env.BENCH_STACK_TRACE_LIMIT) Error.stackTraceLimit = Number(process.env.BENCH_STACK_TRACE_LIMIT);
  const started = Date.now();
  const suffix = randomBytes(4).toString('hex');
  const databaseName = `vigil_bench_${suffix}`;
  const namespace = `b${suffix}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  const databaseUrl = (() => {
    const url = new URL(opts.postgresAdminUrl);
    url.pathname = `/${databaseName}`;
    return url.toString();
  })();

  const { connectBus, deleteStreams } = await import('../bus/index.ts');
  const { createLogger, loadConfig, startNode } = await import('../node/index.ts');
  const { onEntityChanged } = await import('../actors/index.ts');
  type Node = Awaited<ReturnType<typeof startNode>>;
  type Bus = Awaited<ReturnType<typeof connectBus>>;

  let node: Node | undefined;
  let bus: Bus | undefined;
  let rawPool: pg.Pool | undefined;
  let databaseCreated = false;
  const benchStream = `${namespace.toUpperCase()}_BENCH`;

  const result: Record<string, unknown> = {};
  let cleaning: Promise<void> | undefined;
  /** The namespace's streams (deleteStreams), the bench stream, and any KV bucket of the namespace (e.g. `KV_<ns>_cluster`). */
  const deleteNamespaceStreams = async (target: Bus) => {
    await deleteStreams(target).catch(() => undefined);
    const names: string[] = [];
    try {
      for await (const info of target.jsm.streams.list()) names.push(info.config.name);
    } catch {
      // listing failed: fall back to the names we know
      names.push(benchStream, `KV_${namespace}_cluster`);
    }
    for (const name of names) {
      if (name.startsWith(`${namespace.toUpperCase()}_`) || name.startsWith(`KV_${namespace}_`)) {
        await target.jsm.streams.delete(name).catch(() => undefined);
      }
    }
  };
  const cleanup = () =>
    (cleaning ??= (async () => {
      log('cleaning up');
      await rawPool?.end().catch(() => undefined);
      await node?.stop().catch((error) => log('node stop failed', error));
      const target = bus ?? (await connectBus({ servers: opts.natsUrl, namespace, name: 'bench-cleanup' }).catch(() => undefined));
      if (target) {
        await deleteNamespaceStreams(target);
        await target.close().catch(() => undefined);
      }
      if (databaseCreated) {
        const admin = new pg.Client({ connectionString: opts.postgresAdminUrl });
        await admin.connect();
        await admin.query(`drop database if exists ${databaseName} with (force)`).catch((error) => log('drop database failed', error));
        await admin.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
    })());
  const onSignal = (signal: string) => {
    log(`${signal}: stopping`);
    const kill = setTimeout(() => process.exit(130), 15_000);
    kill.unref();
    void cleanup().finally(() => process.exit(130));
  };
  // A crash inside the runtime (an exception no promise catches) still cleans up and reports.
  const onCrash = (error: unknown) => {
    log('crashed', error);
    result.error = String((error as Error)?.stack ?? error);
    const kill = setTimeout(() => process.exit(1), 15_000);
    kill.unref();
    void cleanup().finally(() => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(1);
    });
  };
  process.once('uncaughtException', onCrash);
  process.once('unhandledRejection', onCrash);
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  // Never hang: a whole default run takes ~1 minute.
  const watchdog = setTimeout(() => {
    log('watchdog: bench took too long, aborting');
    void cleanup().finally(() => process.exit(2));
  }, Math.max(240_000, 600_000 * opts.scale));
  watchdog.unref();

  try {
    // --- environment ------------------------------------------------------------------------
    const admin = new pg.Client({ connectionString: opts.postgresAdminUrl });
    await admin.connect();
    const pgVersion = (await admin.query('show server_version')).rows[0].server_version as string;
    const pgSettings = Object.fromEntries(
      (await admin.query(`select name, setting from pg_settings where name in ('synchronous_commit','fsync','shared_buffers','wal_sync_method','commit_delay')`)).rows.map((r) => [r.name, r.setting]),
    );
    await admin.query(`create database ${databaseName}`);
    databaseCreated = true;
    await admin.end();

    bus = await connectBus({ servers: opts.natsUrl, namespace, name: 'vigil-bench' });
    const git = (...args: string[]) => {
      try {
        return execFileSync('git', args, { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      } catch {
        return undefined;
      }
    };
    result.environment = {
      date: new Date().toISOString(),
      commit: process.env.BENCH_GIT_COMMIT ?? git('rev-parse', '--short', 'HEAD'),
      uncommittedChanges: (git('status', '--porcelain', '--untracked-files=no') ?? '') !== '',
      loadAverage1mAtStart: round(loadavg()[0]!, 2),
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      totalMemoryMiB: Math.round(totalmem() / 2 ** 20),
      natsServer: bus.nc.info?.version,
      natsJetStream: bus.nc.info?.jetstream ?? null,
      postgres: pgVersion,
      postgresSettings: pgSettings,
      scale: opts.scale,
      ...(process.env.BENCH_STACK_TRACE_LIMIT ? { stackTraceLimit: Error.stackTraceLimit } : {}),
      database: databaseName,
      namespace,
    };
    log('environment', JSON.stringify(result.environment));

    // --- 1. raw PostgreSQL batched inserts ---------------------------------------------------
    if (opts.only.has('pg')) {
      rawPool = new pg.Pool({ connectionString: databaseUrl, max: opts.pgConcurrency });
      await rawPool.query(`create table raw_transitions ("kind" varchar(32) not null, "id" varchar(128) not null, "version" int not null,
        "prev" jsonb null, "next" jsonb null, "changed_fields" jsonb not null, "state_value" jsonb not null, "event" jsonb not null,
        "cause" jsonb not null, "at" bigint not null, primary key ("kind", "id", "version"))`);
      const durationMs = 5_000 * opts.scale;
      const batch = opts.pgBatch;
      const columns = 10;
      const valuesSql = Array.from({ length: batch }, (_, r) => `(${Array.from({ length: columns }, (_, c) => `$${r * columns + c + 1}`).join(', ')})`).join(', ');
      const sql = `insert into raw_transitions (kind, id, version, prev, next, changed_fields, state_value, event, cause, at) values ${valuesSql}`;
      let rows = 0;
      let transactions = 0;
      let sequence = 0;
      const transactionMs: number[] = [];
      const cpu = cpuWindow();
      const t0 = now();
      const deadline = t0 + durationMs;
      await Promise.all(
        Array.from({ length: opts.pgConcurrency }, async () => {
          const client = await rawPool!.connect();
          try {
            while (now() < deadline) {
              const params: unknown[] = [];
              const at = Date.now();
              for (let r = 0; r < batch; r++) {
                const id = `raw-${sequence++}`;
                const prev = { id, name: id, description: 'previous description', metadata: {}, groupIds: [], createdAt: at };
                const next = { ...prev, description: `description ${at}` };
                params.push('system', id, 1, JSON.stringify(prev), JSON.stringify(next), '["description"]', '"active"',
                  JSON.stringify({ type: 'update', description: next.description, at }), '{"event":"update"}', at);
              }
              const b0 = now();
              await client.query('begin');
              await client.query(sql, params);
              await client.query('commit');
              transactionMs.push(now() - b0);
              rows += batch;
              transactions++;
            }
          } finally {
            client.release();
          }
        }),
      );
      const seconds = (now() - t0) / 1000;
      result.postgresRaw = {
        rowsPerSecond: round(rows / seconds),
        transactionsPerSecond: round(transactions / seconds),
        rowsPerTransaction: batch,
        concurrency: opts.pgConcurrency,
        seconds: round(seconds, 2),
        transactionMs: percentiles(transactionMs),
        cpuCores: cpu.stop(),
      };
      log('postgres raw', JSON.stringify(result.postgresRaw));
      await rawPool.end();
      rawPool = undefined;
    }

    // --- 2. raw JetStream publishes -----------------------------------------------------------
    if (opts.only.has('js')) {
      await bus.jsm.streams.add({
        name: benchStream,
        subjects: [`${namespace}.bench.>`],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
        num_replicas: 1,
        duplicate_window: nanos(5 * 60_000),
      });
      const durationMs = 5_000 * opts.scale;
      const encoder = new TextEncoder();
      const filler = 'x'.repeat(150);
      let sent = 0;
      let windows = 0;
      const windowMs: number[] = [];
      const cpu = cpuWindow();
      const t0 = now();
      while (now() - t0 < durationMs) {
        const w0 = now();
        const acks: Promise<unknown>[] = [];
        for (let i = 0; i < opts.jsWindow; i++) {
          const n = sent + i;
          // ~200 bytes, a fresh buffer per message (nats.js keeps a reference until flushed).
          const data = encoder.encode(`{"kind":"system","id":"raw-${n}","version":1,"pad":"${filler}"}`);
          acks.push(bus.js.publish(`${namespace}.bench.system.raw-${n % 1000}`, data, { msgID: `system:raw-${n}:1` }));
        }
        await Promise.all(acks);
        sent += opts.jsWindow;
        windows++;
        windowMs.push(now() - w0);
      }
      const seconds = (now() - t0) / 1000;
      const info = await bus.jsm.streams.info(benchStream);
      result.jetstreamRaw = {
        messagesPerSecond: round(sent / seconds),
        messages: sent,
        storedMessages: info.state.messages,
        messageBytes: encoder.encode(`{"kind":"system","id":"raw-0","version":1,"pad":"${filler}"}`).length,
        window: opts.jsWindow,
        seconds: round(seconds, 2),
        windowMs: percentiles(windowMs),
        cpuCores: cpu.stop(),
      };
      log('jetstream raw', JSON.stringify(result.jetstreamRaw));
      await bus.jsm.streams.delete(benchStream).catch(() => undefined);
    }

    // --- the node ------------------------------------------------------------------------------
    const needsNode = ['vigil', 'latency', 'memory'].some((phase) => opts.only.has(phase));
    if (needsNode) {
      await instrument();
      const config = loadConfig(
        {
          DATABASE_URL: databaseUrl,
          NATS_URL: opts.natsUrl,
          VIGIL_NAMESPACE: namespace,
          VIGIL_NODE_ID: 'bench',
          VIGIL_HTTP_HOST: '127.0.0.1',
          VIGIL_HTTP_PORT: '0',
          VIGIL_DATA_DIR: dataDir,
          // Keep activated entities hot for the whole run (the memory phase passivates explicitly).
          VIGIL_PASSIVATE_AFTER_MS: String(3_600_000),
          VIGIL_COMMAND_TIMEOUT_MS: '60000',
          VIGIL_SHUTDOWN_TIMEOUT_MS: '30000',
          VIGIL_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
        },
        undefined,
      );
      node = await startNode(config, createLogger(config.nodeId, config.logLevel));
      log('node started');
    }
    const runtime = node?.runtime;
    const ids = Array.from({ length: opts.entities }, (_, i) => `sys-${i}`);

    /** Waits until the relay published `expected` more rows than at `base`, then checks the outbox is empty. */
    const waitPublished = async (base: number, expected: number, timeoutMs: number) => {
      const deadline = now() + timeoutMs;
      while (node!.relay.published - base < expected && now() < deadline) await sleep(2);
      const t = now();
      const { OutboxStore } = await import('../persistence/index.ts');
      let backlog = await new OutboxStore(node!.database).backlog();
      while (backlog > 0 && now() < deadline) {
        await sleep(10);
        backlog = await new OutboxStore(node!.database).backlog();
      }
      return { at: node!.relay.published - base >= expected ? t : now(), backlog, published: node!.relay.published - base };
    };

    // --- 3. Vigil throughput: committed and committed+published transitions/s ----------------
    if (opts.only.has('vigil') || opts.only.has('latency')) {
      const phases: Record<string, unknown> = {};
      for (const phase of ['create', 'update'] as const) {
        if (phase === 'update' && !opts.only.has('vigil')) break;
        const event = (id: string) => (phase === 'create' ? { type: 'create', name: id, description: 'created by bench', metadata: { tier: 'gold' }, groupIds: ['g1'] } : { type: 'update', description: `updated ${id}` });
        const errors: string[] = [];
        let errorCount = 0;
        const dispatchMs: number[] = [];
        stats = emptyStats();
        const base = node!.relay.published;
        await startProfile();
        const cpu = cpuWindow();
        const elu0 = performance.eventLoopUtilization();
        const t0 = now();
        await pool(ids.length, opts.inFlight, async (index) => {
          const d0 = now();
          try {
            await runtime!.dispatch('system', ids[index]!, event(ids[index]!));
          } catch (error) {
            errorCount++;
            if (errors.length < 3) errors.push(String((error as Error).message ?? error));
          }
          dispatchMs.push(now() - d0);
        });
        const committedAt = now();
        const commitStats = summarize(stats, (committedAt - t0) / 1000);
        const published = await waitPublished(base, ids.length - errorCount, 120_000 * Math.max(opts.scale, 0.25));
        const cpuCores = cpu.stop();
        const eventLoopUtilization = round(performance.eventLoopUtilization(elu0).utilization, 2);
        const profile = await stopProfile(`vigil-${phase}`);
        const committedSeconds = (committedAt - t0) / 1000;
        const publishedSeconds = (published.at - t0) / 1000;
        const n = ids.length - errorCount;
        phases[phase] = {
          transitions: n,
          inFlight: opts.inFlight,
          committedPerSecond: round(n / committedSeconds),
          committedAndPublishedPerSecond: round(n / publishedSeconds),
          rowsPerSecond: round((3 * n) / committedSeconds),
          natsMessagesPerTransition: 2, // the change + the derived catalog.* trigger
          committedSeconds: round(committedSeconds, 2),
          publishedSeconds: round(publishedSeconds, 2),
          outboxBacklogAtEnd: published.backlog,
          errors: errorCount,
          firstErrors: errors,
          dispatchMs: percentiles(dispatchMs),
          whileCommitting: commitStats,
          untilPublished: summarize(stats, publishedSeconds),
          eventLoopUtilization,
          // CPU of this process (runtime + bench driver) per transition, committed and published:
          // less sensitive to other load on the machine than the rates.
          cpuMicrosPerTransition: round((cpuCores.benchProcess * publishedSeconds * 1e6) / Math.max(1, n)),
          cpuCores,
          ...(profile ? { profile } : {}),
        };
        log(`vigil ${phase}`, JSON.stringify(phases[phase]));
      }
      if (opts.only.has('vigil')) {
        const update = phases.update as { committedPerSecond: number; committedAndPublishedPerSecond: number; rowsPerSecond: number };
        const raw = (result.postgresRaw as { rowsPerSecond: number } | undefined)?.rowsPerSecond;
        const create = phases.create as { transitions: number; committedSeconds: number; publishedSeconds: number };
        const updateSeconds = phases.update as { committedSeconds: number; publishedSeconds: number };
        result.vigilThroughput = {
          ...phases,
          // Both phases together (they run one after the other; each waits for its outbox to empty).
          combined: {
            transitions: 2 * create.transitions,
            committedPerSecond: round((2 * create.transitions) / (create.committedSeconds + updateSeconds.committedSeconds)),
            committedAndPublishedPerSecond: round((2 * create.transitions) / (create.publishedSeconds + updateSeconds.publishedSeconds)),
          },
          // Headline: the update phase (entities hot: no activation reads), 3 rows per transition.
          vsRawPostgres: raw
            ? {
                rawRowsPerSecond: raw,
                transitionsCommittedOverRawRows: round(update.committedPerSecond / raw, 3),
                transitionsPublishedOverRawRows: round(update.committedAndPublishedPerSecond / raw, 3),
                vigilRowsOverRawRows: round(update.rowsPerSecond / raw, 3),
                target: 0.5,
              }
            : null,
        };
      }
    }

    // --- 4. change → work-queue subscriber latency at a fixed rate -----------------------------
    if (opts.only.has('latency')) {
      const rate = opts.latencyRate;
      const durationMs = 10_000 * opts.scale;
      const total = Math.round((rate * durationMs) / 1000);
      const latencies: number[] = [];
      const commitLatencies: number[] = [];
      let received = 0;
      let duplicates = 0;
      const seen = new Set<string>();
      let allReceived: () => void = () => undefined;
      const done = new Promise<void>((resolve) => (allReceived = resolve));
      const subscription = await onEntityChanged(node!.bus, {
        kind: 'system',
        delivery: { mode: 'work-queue', group: 'bench' },
        handler: async (change) => {
          const t = performance.timeOrigin + now();
          const description = (change.next as { description?: string } | null)?.description ?? '';
          if (!description.startsWith('t=')) return;
          const key = `${change.id}:${change.version}`;
          if (seen.has(key)) {
            duplicates++;
            return;
          }
          seen.add(key);
          latencies.push(t - Number(description.slice(2)));
          if (++received >= total) allReceived();
        },
      });
      await sleep(200);
      let issued = 0;
      let errorCount = 0;
      const inflight = new Set<Promise<unknown>>();
      stats = emptyStats();
      await startProfile();
      const cpu = cpuWindow();
      const t0 = now();
      const elu0 = performance.eventLoopUtilization();
      let maxLag = 0;
      // Pacer: issues dispatches so that by time t exactly floor(t * rate) were issued, checking
      // every millisecond (no bursts of a whole second's worth).
      while (issued < total) {
        const due = Math.min(total, Math.floor(((now() - t0) / 1000) * rate) + 1);
        if (due - issued > maxLag) maxLag = due - issued;
        while (issued < due) {
          const id = ids[issued % ids.length]!;
          const issuedAt = performance.timeOrigin + now();
          const d0 = now();
          const p = runtime!
            .dispatch('system', id, { type: 'update', description: `t=${issuedAt.toFixed(3)}` })
            .then(
              () => commitLatencies.push(now() - d0),
              () => errorCount++,
            )
            .finally(() => inflight.delete(p));
          inflight.add(p);
          issued++;
        }
        await sleep(1);
      }
      const issueSeconds = (now() - t0) / 1000;
      const elu = performance.eventLoopUtilization(elu0);
      await Promise.race([done, sleep(15_000)]);
      await Promise.allSettled(inflight);
      const cpuCores = cpu.stop();
      const cpuSeconds = (now() - t0) / 1000;
      const profile = await stopProfile('latency');
      await subscription.stop();
      result.latency = {
        targetRate: rate,
        achievedIssueRate: round(issued / issueSeconds),
        issued,
        received,
        duplicates,
        errors: errorCount,
        maxPacerLag: maxLag,
        endToEndMs: percentiles(latencies),
        commitMs: percentiles(commitLatencies),
        target: { p99Ms: 25 },
        runtime: summarize(stats, issueSeconds),
        eventLoopUtilization: round(elu.utilization, 2),
        cpuMicrosPerTransition: round((cpuCores.benchProcess * cpuSeconds * 1e6) / Math.max(1, received)),
        cpuCores,
        ...(profile ? { profile } : {}),
      };
      log('latency', JSON.stringify(result.latency));
    }

    // --- 5. memory per hot and per passivated entity -----------------------------------------
    if (opts.only.has('memory')) {
      const n = opts.memoryEntities;
      const settle = async () => {
        for (let i = 0; i < 4; i++) {
          gc();
          await sleep(20);
        }
        return process.memoryUsage();
      };
      runtime!.passivateIdle(0);
      const hotBefore = runtime!.hotCount;
      const baseline = await settle();
      const base = node!.relay.published;
      const memoryIds = Array.from({ length: n }, (_, i) => `mem-${i}`);
      await pool(n, opts.inFlight, async (index) => {
        await runtime!.dispatch('system', memoryIds[index]!, { type: 'create', name: memoryIds[index]!, description: 'memory probe', metadata: { tier: 'gold' }, groupIds: ['g1'] });
      });
      await waitPublished(base, n, 120_000);
      const hotCount = runtime!.hotCount;
      const hot = await settle();
      const passivated = runtime!.passivateIdle(0);
      const after = await settle();
      result.memory = {
        entities: n,
        hotCountBefore: hotBefore,
        hotCount,
        passivated,
        hotCountAfter: runtime!.hotCount,
        heapBaselineMiB: round(baseline.heapUsed / 2 ** 20, 1),
        heapHotMiB: round(hot.heapUsed / 2 ** 20, 1),
        heapPassivatedMiB: round(after.heapUsed / 2 ** 20, 1),
        bytesPerHotEntity: round((hot.heapUsed - baseline.heapUsed) / n),
        bytesPerPassivatedEntity: round((after.heapUsed - baseline.heapUsed) / n),
        rssMiB: round(after.rss / 2 ** 20, 1),
      };
      log('memory', JSON.stringify(result.memory));
    }

    result.totalSeconds = round((Date.now() - started) / 1000, 1);
  } catch (error) {
    result.error = String((error as Error)?.stack ?? error);
    log('failed', error);
  } finally {
    await cleanup();
    clearTimeout(watchdog);
  }

  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.stdout.write(table(result));
  return result.error ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------

function table(r: Record<string, any>): string {
  const lines: Array<[string, string, string]> = [];
  const fmt = (v: unknown, unit = '') => (v === undefined || v === null ? '-' : `${typeof v === 'number' ? v.toLocaleString('en-US') : v}${unit}`);
  const e = r.environment;
  if (e) lines.push(['environment', `node ${e.node}, ${e.cpus} cpus, nats-server ${e.natsServer}, PostgreSQL ${e.postgres}`, `commit ${e.commit ?? '?'}${e.uncommittedChanges ? ' (+uncommitted)' : ''}, scale ${e.scale}`]);
  if (r.postgresRaw) lines.push(['1 raw PostgreSQL insert', fmt(r.postgresRaw.rowsPerSecond, ' rows/s'), `${r.postgresRaw.rowsPerTransaction} rows/tx, ${r.postgresRaw.concurrency} connections, p50 tx ${r.postgresRaw.transactionMs.p50} ms`]);
  if (r.jetstreamRaw) lines.push(['2 raw JetStream publish', fmt(r.jetstreamRaw.messagesPerSecond, ' msgs/s'), `${r.jetstreamRaw.messageBytes} B, msg id, ${r.jetstreamRaw.window} in flight`]);
  const v = r.vigilThroughput;
  if (v) {
    for (const phase of ['create', 'update'] as const) {
      const p = v[phase];
      if (!p) continue;
      lines.push([`3 Vigil ${phase} committed`, fmt(p.committedPerSecond, ' transitions/s'), `${fmt(p.rowsPerSecond)} rows/s, ${p.whileCommitting.avgTransitionsPerBatch}/batch, ${p.whileCommitting.avgCommitMs} ms/batch`]);
      lines.push([`3 Vigil ${phase} +published`, fmt(p.committedAndPublishedPerSecond, ' transitions/s'), `relay ${p.untilPublished.avgRowsPerRelayBatch} rows/batch, ${p.untilPublished.avgRelayBatchMs} ms/batch`]);
    }
    if (v.vsRawPostgres) {
      lines.push(['3 ratio to raw (target ≥ 50%)', `${round(v.vsRawPostgres.transitionsCommittedOverRawRows * 100, 1)}% transitions, ${round(v.vsRawPostgres.vigilRowsOverRawRows * 100, 1)}% rows`, `published: ${round(v.vsRawPostgres.transitionsPublishedOverRawRows * 100, 1)}% transitions`]);
    }
  }
  if (r.latency) {
    const l = r.latency.endToEndMs;
    lines.push([`4 latency @${r.latency.targetRate}/s (p99 ≤ 25)`, `p50 ${l.p50} / p90 ${l.p90} / p99 ${l.p99} / max ${l.max} ms`, `commit p50 ${r.latency.commitMs.p50} p99 ${r.latency.commitMs.p99} ms; ${r.latency.received}/${r.latency.issued} received`]);
  }
  if (r.memory) {
    lines.push(['5 memory per hot entity', fmt(r.memory.bytesPerHotEntity, ' B'), `${r.memory.entities} entities, heap ${r.memory.heapBaselineMiB} → ${r.memory.heapHotMiB} MiB`]);
    lines.push(['5 memory per passivated entity', fmt(r.memory.bytesPerPassivatedEntity, ' B'), `heap after passivation ${r.memory.heapPassivatedMiB} MiB`]);
  }
  if (r.error) lines.push(['ERROR', String(r.error).split('\n')[0]!, '']);
  const w0 = Math.max(...lines.map((l) => l[0].length));
  const w1 = Math.max(...lines.map((l) => l[1].length));
  return `\n${lines.map(([a, b, c]) => `${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`.trimEnd()).join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Re-exec with --expose-gc (the npm script does not pass it) so the memory numbers are exact.
// ---------------------------------------------------------------------------------------------
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  const child = spawn(process.execPath, ['--expose-gc', ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: process.env,
  });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  await main(gc).then(
    (code) => process.exit(code),
    (error) => {
      console.error('bench failed:', error);
      process.exit(1);
    },
  );
}
