/**
 * Live stream benchmark: the node's memory per connected, subscribed browser (`/stream/v1`), and
 * how long one change per system takes to reach every browser watching that system. One
 * `vigil start` process (its memory read from /proc and, after forced collections, its retained
 * heap through the inspector); the browsers are `ws` clients in this process, so their memory does
 * not count.
 *
 *   npm run bench:live-stream                     # 1,000 browsers
 *   BENCH_LIVE_CLIENTS=5000 npm run bench:live-stream
 *
 * Prints one JSON line, then a table.
 */
import { connect as natsConnect } from '@nats-io/transport-node';
import WebSocket from 'ws';
import { subjectsFor } from '../bus/index.ts';
import { LIVE_STREAM_PATH } from '../protocol/live-stream-protocol.ts';
import { NodeInspector } from './support/node-inspector.ts';
import { commandHeaders, createTestDatabase, createTestNamespace, NATS_URL, TEST_ADMIN_TOKEN } from '../test/support/isolation.ts';
import { benchNode } from './support/bench-node.ts';

const count = Number(process.env.BENCH_LIVE_CLIENTS ?? 1_000);
/** Systems the browsers watch (browser i watches sys<i % systems>). */
const systems = Number(process.env.BENCH_LIVE_SYSTEMS ?? 100);

const log = (message: string) => process.stderr.write(`${message}\n`);
const mib = (bytes: number) => +(bytes / 2 ** 20).toFixed(1);

const database = await createTestDatabase();
const namespace = createTestNamespace();
const node = benchNode({ databaseUrl: database.url, namespace: namespace.namespace });
const sockets: WebSocket[] = [];
try {
  await node.start();
  const inspector = await NodeInspector.connect(node.output);
  /** The node's memory after full collections: retained JS heap and RSS. */
  const memory = () => inspector.settledMemory(node.pid!);
  const empty = await memory();

  log(`connecting and subscribing ${count} browsers`);
  const connectStarted = Date.now();
  /** Per browser: when its change of its system arrived. */
  const arrivedAt = new Array<number>(count).fill(0);
  let next = 0;
  let failed = 0;
  const connectOnce = (index: number) =>
    new Promise<WebSocket | null>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${node.port}${LIVE_STREAM_PATH}`, { perMessageDeflate: false });
      ws.once('open', () =>
        ws.send(JSON.stringify({ type: 'subscribe', token: TEST_ADMIN_TOKEN, kinds: ['system', 'health', 'incident'], systems: [`sys${index % systems}`], triggers: true })),
      );
      ws.on('message', (data) => {
        const text = String(data);
        if (text.startsWith('{"type":"subscribed"')) resolve(ws);
        else if (text.startsWith('{"type":"change"') && arrivedAt[index] === 0) arrivedAt[index] = Date.now();
      });
      ws.once('error', () => resolve(null));
      ws.once('close', () => resolve(null));
    });
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      while (next < count) {
        const index = next++;
        const ws = await connectOnce(index);
        if (ws) sockets.push(ws);
        else failed++;
      }
    }),
  );
  const connectSeconds = (Date.now() - connectStarted) / 1000;
  const subscribed = await memory();
  const perBrowser = { heap: Math.round((subscribed.heap - empty.heap) / count), rss: Math.round((subscribed.rss - empty.rss) / count) };
  log(`${sockets.length} subscribed in ${connectSeconds.toFixed(1)} s; retained heap ${mib(empty.heap)} → ${mib(subscribed.heap)} MiB, RSS ${mib(empty.rss)} → ${mib(subscribed.rss)} MiB`);

  // One change per system: every browser gets exactly one change (and its trigger).
  log(`creating ${systems} systems`);
  const nc = await natsConnect({ servers: NATS_URL });
  const subjects = subjectsFor(namespace.namespace);
  const started = Date.now();
  await Promise.all(
    Array.from({ length: systems }, (_, system) =>
      nc.request(subjects.command('system', `sys${system}`), JSON.stringify({ type: 'create', name: `sys${system}` }), { timeout: 30_000, headers: commandHeaders() }),
    ),
  );
  const committedMs = Date.now() - started;
  for (const deadline = Date.now() + 30_000; arrivedAt.some((at, index) => at === 0 && index < sockets.length) && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const received = arrivedAt.filter((at) => at > 0).map((at) => at - started).sort((a, b) => a - b);
  const percentile = (p: number) => received[Math.min(received.length - 1, Math.floor((received.length * p) / 100))] ?? null;
  await nc.close();
  inspector.close();

  const report = {
    browsers: count,
    subscribed: sockets.length,
    failed,
    connectSeconds,
    memoryMiB: { empty: { heap: mib(empty.heap), rss: mib(empty.rss) }, subscribed: { heap: mib(subscribed.heap), rss: mib(subscribed.rss) } },
    perBrowserBytes: perBrowser,
    fanOut: { systems, commitsMs: committedMs, browsersReached: received.length, p50Ms: percentile(50), p99Ms: percentile(99), maxMs: received.at(-1) ?? null },
  };
  console.log(JSON.stringify(report));
  console.log(`
| browsers subscribed | memory per browser (retained heap / RSS) | node heap / RSS (empty → subscribed) | one change per system (${systems}) reaches its browsers: p50 / p99 / max after the first command |
| --- | --- | --- | --- |
| ${sockets.length} of ${count} in ${connectSeconds.toFixed(1)} s | ${perBrowser.heap} B / ${perBrowser.rss} B | ${mib(empty.heap)} → ${mib(subscribed.heap)} MiB / ${mib(empty.rss)} → ${mib(subscribed.rss)} MiB | ${percentile(50)} / ${percentile(99)} / ${received.at(-1)} ms (${received.length} reached; commands took ${committedMs} ms) |`);
} catch (error) {
  log(`failed: ${(error as Error).message}\nnode output (tail):\n${node.output.slice(-3000)}`);
  process.exitCode = 1;
} finally {
  for (const ws of sockets) ws.terminate();
  await node.kill('SIGKILL');
  await namespace.cleanup();
  await database.drop();
}
