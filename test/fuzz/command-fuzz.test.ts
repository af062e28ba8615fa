import { readFileSync } from 'node:fs';
import { connect, headers as natsHeaders } from '@nats-io/transport-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CommandReply } from '../../actors/index.ts';
import { subjectsFor } from '../../bus/index.ts';
import { useIsolation } from '../support/fixtures.ts';
import { authorization, NATS_URL, TEST_ADMIN_TOKEN } from '../support/isolation.ts';
import { NodeProcess } from '../support/node-process.ts';
import { fuzzBody, randomSource } from './mutations.ts';
import { scaled } from '../support/time-scale.ts';

/**
 * Mutated and random command bodies against a real node process, over HTTP and NATS, while a
 * well-behaved client (the bystander) sends valid commands to its own entities at the same time.
 * Pass: the node never crashes or answers INTERNAL/MACHINE_FAILED, every bystander command commits
 * with its versions 1..n, and the node's memory stays bounded.
 * VIGIL_FUZZ_BODIES (default 50,000, split between HTTP and NATS; more for a longer soak) and
 * VIGIL_FUZZ_SEED replay a run. 50,000 keeps `npm test` inside its 15 minutes on a busy machine.
 */
const TOTAL = Number(process.env.VIGIL_FUZZ_BODIES ?? 50_000);
const SEED = Number(process.env.VIGIL_FUZZ_SEED ?? Date.now() % 2 ** 31);
const CONCURRENCY = 32;
const isolation = useIsolation();
let node: NodeProcess;

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

beforeAll(async () => {
  node = new NodeProcess({ databaseUrl: isolation.databaseUrl, namespace: isolation.namespace, nodeId: 'fuzzed' });
  isolation.defer(() => node.kill());
  await node.start();
});

/** Runs `work` for indexes 0..count-1 with `CONCURRENCY` in flight. */
async function pool(count: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < count) await work(next++);
  }));
}

describe(`fuzzing the HTTP API and NATS commands (seed ${SEED})`, () => {
  it(`${TOTAL} hostile bodies: no crash, no internal error, no bystander harmed, memory bounded`, async () => {
    const nc = await connect({ servers: NATS_URL });
    isolation.defer(() => nc.close());
    const subjects = subjectsFor(isolation.namespace);
    const random = randomSource(SEED);
    const outcomes = new Map<string, number>();
    const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    const unexpected: string[] = [];

    // The bystander: creates its systems, then renames each again and again, concurrently with the fuzz.
    const bystanderIds = Array.from({ length: 8 }, (_, index) => `bystander-${index}`);
    const bystanderVersions = new Map(bystanderIds.map((id) => [id, [] as number[]]));
    let fuzzing = true;
    const bystander = (async () => {
      let round = 0;
      while (fuzzing || round < 3) {
        await Promise.all(
          bystanderIds.map(async (id) => {
            const event = round === 0 ? { type: 'create', name: id } : { type: 'update', name: `${id} #${round}` };
            const answer = await fetch(`http://127.0.0.1:${node.port}/entities/system/${id}/events`, { method: 'POST', headers: authorization(), body: JSON.stringify(event) });
            const body = (await answer.json()) as { change?: { version: number }; error?: { code: string; message: string } };
            if (answer.status !== 200 || !body.change) unexpected.push(`bystander ${id} round ${round}: ${answer.status} ${JSON.stringify(body).slice(0, 300)}`);
            else bystanderVersions.get(id)!.push(body.change.version);
          }),
        );
        round++;
      }
    })();

    const rssBefore = rssOf(node.pid!);
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssOf(node.pid!))), 250);
    // Made one at a time, in index order (the pool takes indexes in order), so a seed replays
    // the same bodies without holding 100,000 of them in memory.
    const nextBody = () => fuzzBody(random);
    const ids = (index: number) => `fz${index % 500}`;
    const httpShare = Math.ceil(TOTAL / 2);
    const started = Date.now();

    await pool(httpShare, async (index) => {
      const { kind, text } = nextBody();
      const answer = await fetch(`http://127.0.0.1:${node.port}/entities/${kind}/${ids(index)}/events`, { method: 'POST', headers: authorization(), body: text }).catch((error: Error) => error);
      if (answer instanceof Error) return void unexpected.push(`http #${index}: ${answer.message}`);
      const body = (await answer.json().catch(() => ({}))) as { error?: { code: string; message: string } };
      const code = body.error?.code ?? 'OK';
      count(`http ${answer.status} ${code}`);
      if (answer.status >= 500 && !['TIMEOUT', 'UNAVAILABLE'].includes(code)) unexpected.push(`http #${index} ${kind} ${text.slice(0, 200)} -> ${answer.status} ${JSON.stringify(body).slice(0, 300)}`);
    });
    await pool(TOTAL - httpShare, async (offset) => {
      const index = httpShare + offset;
      const { kind, text } = nextBody();
      const h = natsHeaders();
      h.set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
      const reply = await nc
        .request(subjects.command(kind, ids(index)), text, { timeout: 30_000, headers: h })
        .then((message) => message.json<CommandReply>())
        .catch((error: Error) => error);
      if (reply instanceof Error) return void unexpected.push(`nats #${index}: ${reply.message}`);
      const code = reply.ok ? 'OK' : reply.error.code;
      count(`nats ${code}`);
      if (['INTERNAL', 'MACHINE_FAILED'].includes(code)) unexpected.push(`nats #${index} ${kind} ${text.slice(0, 200)} -> ${JSON.stringify(reply).slice(0, 300)}`);
    });
    const elapsedMs = Date.now() - started;
    fuzzing = false;
    await bystander;
    clearInterval(sampler);
    const rssAfter = rssOf(node.pid!);

    console.log(
      JSON.stringify({
        seed: SEED,
        bodies: TOTAL,
        elapsedMs,
        bodiesPerSecond: Math.round(TOTAL / (elapsedMs / 1000)),
        rssBeforeMiB: +(rssBefore / 2 ** 20).toFixed(1),
        rssPeakMiB: +(rssPeak / 2 ** 20).toFixed(1),
        rssAfterMiB: +(rssAfter / 2 ** 20).toFixed(1),
        outcomes: Object.fromEntries([...outcomes].sort()),
        bystanderCommands: [...bystanderVersions.values()].reduce((sum, versions) => sum + versions.length, 0),
      }),
    );
    expect(unexpected.slice(0, 20)).toEqual([]);
    // The node is alive and still answers.
    expect((await fetch(`http://127.0.0.1:${node.port}/readyz`)).status).toBe(200);
    // Every bystander command committed, in order, with no gap.
    for (const [id, versions] of bystanderVersions) expect(versions, id).toEqual(versions.map((_, index) => index + 1));
    // Memory bounded: the node's resident set does not grow without limit (bodies are at most 1 MiB each, 32 in flight).
    expect(rssPeak - rssBefore).toBeLessThan(400 * 2 ** 20);
  }, scaled(900_000));
});
