/**
 * Failover benchmark: how long commands for a node's entities stall when that node dies
 * (kill -9) or stops gracefully (SIGTERM), in a 3-node cluster of real `vigil start` processes.
 *
 *   npm run bench:failover                      # lease TTL 10 s (the default), 3 rounds
 *   BENCH_LEASE_TTL_MS=3000 npm run bench:failover
 *
 * For each round: one probe entity per partition the victim owns; the victim is killed; every
 * probe is then written repeatedly (1 s request timeout) until a write succeeds; the stall of a
 * probe is the time from the kill to its first acknowledged write. Prints one JSON line, then a table.
 */
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { partitionOf, type CommandReply } from '../actors/index.ts';
import { subjectsFor } from '../bus/index.ts';
import { startCluster, waitForBalance } from '../test/support/cluster.ts';
import { commandHeaders, createTestDatabase, createTestNamespace, NATS_URL } from '../test/support/isolation.ts';

const leaseTtlMs = Number(process.env.BENCH_LEASE_TTL_MS ?? 10_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const PARTITIONS = 32;

const database = await createTestDatabase();
const namespace = createTestNamespace();
const nodes = await startCluster({ databaseUrl: database.url, namespace: namespace.namespace, size: 3, leaseTtlMs });
const nc = await connect({ servers: NATS_URL });
const db = new pg.Client({ connectionString: database.url });
await db.connect();
const subjects = subjectsFor(namespace.namespace);

async function write(id: string, timeoutMs: number): Promise<boolean> {
  try {
    const reply = (await nc.request(subjects.command('system', id), JSON.stringify({ type: 'update', description: `${Date.now()}-${Math.random()}` }), { timeout: timeoutMs, headers: commandHeaders() })).json<CommandReply>();
    return reply.ok;
  } catch {
    return false;
  }
}

/** One probe entity in each partition `owner` holds now. */
async function probesOf(owner: string): Promise<string[]> {
  const owned = (await db.query('select partition from partition_leases where owner = $1', [owner])).rows.map((row) => row.partition as number);
  const probes: string[] = [];
  for (const partition of owned) {
    let index = 0;
    while (partitionOf('system', `probe-${partition}-${index}`, PARTITIONS) !== partition) index++;
    const id = `probe-${partition}-${index}`;
    await nc.request(subjects.command('system', id), JSON.stringify({ type: 'create', name: id }), { timeout: 10_000, headers: commandHeaders() }).catch(() => undefined);
    probes.push(id);
  }
  return probes;
}

async function measure(kind: 'kill -9' | 'SIGTERM', victimIndex: number) {
  const victim = nodes[victimIndex]!;
  const probes = await probesOf(`node-${victimIndex + 1}`);
  const started = Date.now();
  await victim.kill(kind === 'kill -9' ? 'SIGKILL' : 'SIGTERM');
  const stalls = await Promise.all(
    probes.map(async (id) => {
      while (!(await write(id, 1_000))) await new Promise((resolve) => setTimeout(resolve, 20));
      return Date.now() - started;
    }),
  );
  stalls.sort((a, b) => a - b);
  await victim.start();
  await waitForBalance(database.url, ['node-1', 'node-2', 'node-3'], PARTITIONS, 60_000);
  return { kind, victim: `node-${victimIndex + 1}`, partitions: probes.length, stallMs: { min: stalls[0], p50: stalls[Math.floor(stalls.length / 2)], max: stalls.at(-1) } };
}

const results: Array<Awaited<ReturnType<typeof measure>>> = [];
try {
  for (let round = 0; round < rounds; round++) {
    results.push(await measure('kill -9', round % 3));
    results.push(await measure('SIGTERM', (round + 1) % 3));
  }
} finally {
  await Promise.all(nodes.map((node) => node.kill('SIGKILL')));
  await db.end();
  await nc.close();
  await namespace.cleanup();
  await database.drop();
}

const summary = (kind: string) => {
  const maxima = results.filter((result) => result.kind === kind).map((result) => result.stallMs.max!);
  return { rounds: maxima.length, worstStallMs: Math.max(...maxima), meanWorstStallMs: Math.round(maxima.reduce((a, b) => a + b, 0) / maxima.length) };
};
const report = { leaseTtlMs, partitions: PARTITIONS, results, kill: summary('kill -9'), sigterm: summary('SIGTERM') };
console.log(JSON.stringify(report));
console.log(`\nfailover, 3 nodes, lease ${leaseTtlMs} ms (stall = kill → first acknowledged write to each of the victim's partitions)`);
for (const result of results) {
  console.log(`  ${result.kind.padEnd(8)} ${result.victim}  ${String(result.partitions).padStart(3)} partitions  stall min ${result.stallMs.min} / p50 ${result.stallMs.p50} / max ${result.stallMs.max} ms`);
}
console.log(`  kill -9: worst ${report.kill.worstStallMs} ms, mean of worst ${report.kill.meanWorstStallMs} ms; SIGTERM: worst ${report.sigterm.worstStallMs} ms`);
