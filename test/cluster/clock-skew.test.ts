import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { desiredOwner, partitionOf } from '../../actors/index.ts';
import { dwellIdFor } from '../../automations/engine/scope-id.ts';
import type { ClusterStatus } from '../../node/index.ts';
import { connectClients, waitForBalance } from '../support/cluster.ts';
import { useIsolation } from '../support/fixtures.ts';
import { NodeProcess } from '../support/node-process.ts';
import { waitFor } from '../support/stream-reader.ts';
import { scaled } from '../support/time-scale.ts';

/**
 * "Never early" in real time while the nodes' clocks disagree. Each node process runs with a
 * preload that shifts its wall clock (`Date`) by the number in its own file, which the test
 * changes while the nodes run. PostgreSQL and this test process share the machine's real clock,
 * so every instant below is real time: `committed_at` (PostgreSQL's `clock_timestamp()` when a
 * firing was committed: at or after the firing) and this process's `Date.now()` taken before the
 * command that starts a duration (at or before its start). Lateness = firing − start − duration;
 * never early means it is never negative, whichever node stamped the start and whichever fired.
 */
const isolation = useIsolation();
const LEASE_TTL_MS = 2_000;
const DURATION_MS = 3_000;
const PARTITIONS = 32;
const preload = fileURLToPath(new URL('../support/shifted-clock.mjs', import.meta.url));
const NODES = ['node-1', 'node-2', 'node-3'];

type Kind = 'for' | 'delay' | 'wait timeout' | 'interval' | 'window' | 'heartbeat';
interface Firing {
  kind: Kind;
  entity: string;
  lateMs: number;
  firedBy: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const failing = { type: 'check_result', checkId: 'ping', source: 'test', success: false, thresholds: { healthyAfter: 1, degradedAfter: 1, unhealthyAfter: 1000 } };

/** `count` ids `<prefix>-<n>` per owner in `owners`, whose `kind` entity (id from `entityOf`) lands on that owner among `members`. */
function idsOwnedAmong(members: string[], owners: string[], kind: string, prefix: string, count: number, entityOf: (id: string) => string = (id) => id): string[] {
  const picked: string[] = [];
  for (const owner of owners) {
    const mine = Array.from({ length: 2_000 }, (_, index) => `${prefix}-${index}`)
      .filter((id) => !picked.includes(id) && desiredOwner(partitionOf(kind, entityOf(id), PARTITIONS), members) === owner)
      .slice(0, count);
    picked.push(...mine);
  }
  return picked;
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  return `min ${Math.round(sorted[0]!)} / median ${Math.round(median)} / max ${Math.round(sorted.at(-1)!)} ms (n=${sorted.length})`;
}

describe('deadlines when node clocks disagree', () => {
  it('fire never early in real time, at most a lease + 1 s late, once; a node beyond the maximum offset gives up its partitions and says why', async () => {
    const offsetDir = mkdtempSync(join(tmpdir(), 'vigil-clock-'));
    const offsetFile = (nodeId: string) => join(offsetDir, nodeId);
    const setOffset = (nodeId: string, ms: number) => writeFileSync(offsetFile(nodeId), String(ms));
    for (const nodeId of NODES) setOffset(nodeId, 0);
    const nodes = NODES.map(
      (nodeId) =>
        new NodeProcess({
          databaseUrl: isolation.databaseUrl,
          namespace: isolation.namespace,
          nodeId,
          nodeArguments: ['--import', preload],
          env: {
            VIGIL_TEST_CLOCK_OFFSET_FILE: offsetFile(nodeId),
            VIGIL_LEASE_TTL_MS: String(LEASE_TTL_MS),
            VIGIL_PARTITIONS: String(PARTITIONS),
            VIGIL_COMMAND_TIMEOUT_MS: '15000',
            // ±2 s nodes keep their partitions (their deadlines use the database's clock); ±30 s is beyond.
            VIGIL_CLOCK_WARN_OFFSET_MS: '1000',
            VIGIL_MAX_CLOCK_OFFSET_MS: '5000',
          },
        }),
    );
    isolation.defer(() => Promise.all(nodes.map((node) => node.kill('SIGKILL'))));
    await Promise.all(nodes.map((node) => node.start()));
    await waitForBalance(isolation.databaseUrl, NODES, PARTITIONS);
    const { db, command, internalCommand } = await connectClients(isolation);
    const ok = async (reply: Promise<{ ok: boolean }>) => {
      const answer = await reply;
      if (!answer.ok) throw new Error(JSON.stringify(answer));
    };
    // Maintenance windows must cover a system that exists.
    await ok(command('system', 'somewhere', { type: 'create', name: 'somewhere' }));
    const status = async () => (await (await nodes[0]!.url('/cluster/status')).json()) as ClusterStatus;
    const committedAt = `(extract(epoch from committed_at) * 1000)::float8 as committed`;

    await ok(
      command('automation', 'held', {
        type: 'save',
        definition: { id: 'held', name: 'degraded for 3 s', mode: 'parallel', scope: 'context', triggers: [{ id: 'degraded', event: 'healthcheck.system.degraded', for: `${DURATION_MS}ms` }], actions: [{ action: 'automation.log', config: { message: 'held' } }] },
      }),
    );
    await ok(
      command('automation', 'paced', {
        type: 'save',
        definition: {
          id: 'paced',
          name: 'a delay, then a wait that times out',
          scope: 'context',
          triggers: [{ id: 'created', event: 'catalog.created' }],
          actions: [
            { delay: `${DURATION_MS}ms` },
            { wait_for_trigger: { event: 'incident.resolved', filter: 'trigger.payload.incidentId == "never"', timeout: `${DURATION_MS}ms` } },
            { action: 'automation.log', config: { message: 'paced' } },
          ],
        },
      }),
    );
    // Interval schedules whose entities node-1 and node-2 own once node-3 is out (and spread over three before).
    const tickers = idsOwnedAmong(['node-1', 'node-2'], ['node-1', 'node-2'], 'automation_schedule', 'tick', 1, (id) => `${id}:tick`);
    for (const id of tickers) {
      await ok(command('automation', id, { type: 'save', definition: { id, name: id, mode: 'parallel', triggers: [{ id: 'tick', event: 'automation.interval', every: '2s' }], actions: [{ action: 'automation.log', config: { message: 'tick' } }] } }));
    }
    // Every node's trigger router learns of the automations from their changes (as other cluster tests allow).
    await sleep(1_000);

    /** Starts one of each duration on entities owned by `members` (and, for `for:`, every pair of stamping and firing node). */
    async function startDurations(phase: string, members: string[]) {
      const starts = new Map<string, number>();
      const pairs = members.flatMap((stamper) => members.map((firer) => [stamper, firer] as const));
      const systems = pairs.map(([stamper, firer], index) => {
        const id = Array.from({ length: 5_000 }, (_, n) => `${phase}-sys-${index}-${n}`).find(
          (candidate) =>
            desiredOwner(partitionOf('health', candidate, PARTITIONS), members) === stamper && desiredOwner(partitionOf('automation_dwell', dwellIdFor('held', 'degraded', candidate), PARTITIONS), members) === firer,
        )!;
        return id;
      });
      const paced = idsOwnedAmong(members, members, 'automation_run', `${phase}-paced`, 1, (id) => `paced:${id}:r1`);
      const windows = idsOwnedAmong(members, members, 'maintenance', `${phase}-mnt`, 1);
      const satellites = idsOwnedAmong(members, members, 'satellite', `${phase}-sat`, 1);
      for (const id of satellites) await ok(command('satellite', id, { type: 'register', name: id, region: 'eu', heartbeatThresholdMs: DURATION_MS }));
      // One at a time, each start time read just before its own command: the bound stays tight.
      for (const id of systems) {
        starts.set(`health:${id}`, Date.now());
        await ok(internalCommand('health', id, failing));
      }
      for (const id of satellites) {
        starts.set(`satellite:${id}`, Date.now());
        await ok(internalCommand('satellite', id, { type: 'connect' }));
      }
      for (const id of paced) await ok(command('system', id, { type: 'create', name: id }));
      for (const id of windows) {
        const startsAt = Date.now() + DURATION_MS;
        await ok(command('maintenance', id, { type: 'create', title: id, systemIds: ['somewhere'], schedule: { kind: 'once', startsAt, endsAt: startsAt + 1_000 } }));
      }
      return { starts, systems, paced, windows, satellites };
    }

    /** Waits until every duration started by `startDurations` fired; returns the firings with their real-time lateness. */
    async function firings(started: Awaited<ReturnType<typeof startDurations>>): Promise<Firing[]> {
      const { starts, systems, paced, windows, satellites } = started;
      const dwellIds = systems.map((id) => dwellIdFor('held', 'degraded', id));
      const runIds = paced.map((id) => `paced:${id}:r1`);
      let counts: Record<string, number> = {};
      await waitFor(
        async () => {
          const { rows } = await db.query(
            `select
               (select count(*) from entity_transitions where kind = 'automation_dwell' and id = any($1) and event->>'type' = 'due')::int as dues,
               (select count(*) from entity_state where kind = 'automation_run' and id = any($2) and state->>'status' = 'succeeded')::int as runs,
               (select count(*) from entity_transitions where kind = 'maintenance' and id = any($3) and event->>'type' = 'window_end')::int as windows,
               (select count(*) from entity_transitions where kind = 'satellite' and id = any($4) and event->>'type' = 'heartbeat_timeout')::int as satellites`,
            [dwellIds, runIds, windows, satellites],
          );
          counts = rows[0]!;
          return counts.dues === systems.length && counts.runs === paced.length && counts.windows === windows.length && counts.satellites === satellites.length;
        },
        30_000,
        'every duration fired',
      ).catch((error: Error) => {
        throw new Error(`${error.message}: ${JSON.stringify(counts)} of ${JSON.stringify({ dues: systems.length, runs: paced.length, windows: windows.length, satellites: satellites.length })}`);
      });
      // Whatever else might fire late still gets a chance to show up twice.
      await sleep(LEASE_TTL_MS);
      const result: Firing[] = [];

      const dues = (await db.query(`select id, committed_by, ${committedAt} from entity_transitions where kind = 'automation_dwell' and id = any($1) and event->>'type' = 'due'`, [dwellIds])).rows;
      expect(dues, 'one for: deadline per system').toHaveLength(systems.length);
      for (const [index, id] of systems.entries()) {
        const due = dues.find((row) => row.id === dwellIds[index])!;
        result.push({ kind: 'for', entity: id, lateMs: due.committed - starts.get(`health:${id}`)! - DURATION_MS, firedBy: due.committed_by });
        const runs = (await db.query(`select count(*)::int as n from entity_state where kind = 'automation_run' and state->>'automationId' = 'held' and state->'trigger'->>'contextValue' = $1`, [id])).rows[0]!.n;
        expect(runs, `one run of the for: trigger for ${id}`).toBe(1);
      }

      const runTransitions = (await db.query(`select id, version, event->>'type' as type, next->>'status' as status, committed_by, ${committedAt} from entity_transitions where kind = 'automation_run' and id = any($1) order by id, version`, [runIds])).rows;
      for (const runId of runIds) {
        const history = runTransitions.filter((row) => row.id === runId);
        const wakes = history.filter((row) => row.type === 'wake');
        expect(wakes.map((row) => row.version), `${runId}: the delay and the wait timeout woke it once each`).toHaveLength(2);
        for (const [index, wake] of wakes.entries()) {
          // The duration started when the engine ran the step: after it read the run's previous change.
          const waiting = history.filter((row) => row.version < wake.version && row.status === 'waiting').at(-1)!;
          const before = history.find((row) => row.version === waiting.version - 1)!;
          result.push({ kind: index === 0 ? 'delay' : 'wait timeout', entity: runId, lateMs: wake.committed - before.committed - DURATION_MS, firedBy: wake.committed_by });
        }
      }

      const windowFirings = (await db.query(`select id, event->>'type' as type, (event->>'dueAt')::bigint as due, committed_by, ${committedAt} from entity_transitions where kind = 'maintenance' and id = any($1) and event->>'type' like 'window_%'`, [windows])).rows;
      expect(windowFirings, 'one start and one end per window').toHaveLength(2 * windows.length);
      for (const row of windowFirings) result.push({ kind: 'window', entity: `${row.id} ${row.type}`, lateMs: row.committed - Number(row.due), firedBy: row.committed_by });

      const timeouts = (await db.query(`select id, committed_by, ${committedAt} from entity_transitions where kind = 'satellite' and id = any($1) and event->>'type' = 'heartbeat_timeout'`, [satellites])).rows;
      expect(timeouts, 'one heartbeat timeout per satellite').toHaveLength(satellites.length);
      for (const row of timeouts) result.push({ kind: 'heartbeat', entity: row.id, lateMs: row.committed - starts.get(`satellite:${row.id}`)! - DURATION_MS, firedBy: row.committed_by });
      return result;
    }

    /** Interval ticks committed in [from, to): each occurrence once, lateness = commit − occurrence. */
    async function ticks(from: number, to: number): Promise<Firing[]> {
      const rows = (await db.query(`select id, (event->>'dueAt')::bigint as due, committed_by, ${committedAt} from entity_transitions where kind = 'automation_schedule' and event->>'type' = 'tick'`)).rows;
      const keys = rows.map((row) => `${row.id}@${row.due}`);
      expect(new Set(keys).size, 'each occurrence fired once').toBe(keys.length);
      return rows.filter((row) => row.committed >= from && row.committed < to).map((row) => ({ kind: 'interval' as const, entity: row.id, lateMs: row.committed - Number(row.due), firedBy: row.committed_by }));
    }

    function judge(phase: string, fired: Firing[]): void {
      const kinds: Kind[] = ['for', 'delay', 'wait timeout', 'interval', 'window', 'heartbeat'];
      for (const kind of kinds) expect(fired.some((firing) => firing.kind === kind), `${phase}: some ${kind} fired`).toBe(true);
      console.log(`${phase}: lateness in real time, all deadlines: ${summary(fired.map((firing) => firing.lateMs))}`);
      for (const kind of kinds) console.log(`  ${kind.padEnd(12)} ${summary(fired.filter((firing) => firing.kind === kind).map((firing) => firing.lateMs))}`);
      for (const firing of fired) {
        expect(firing.lateMs, `${phase}: ${firing.kind} ${firing.entity} (fired by ${firing.firedBy}) never early`).toBeGreaterThanOrEqual(0);
        expect(firing.lateMs, `${phase}: ${firing.kind} ${firing.entity} (fired by ${firing.firedBy}) at most a lease + 1 s late`).toBeLessThan(scaled(LEASE_TTL_MS + 1_000));
      }
    }

    async function offsets(): Promise<string> {
      const nodesNow = (await status()).nodes;
      return nodesNow.map((node) => `${node.nodeId} ${node.clock!.offsetMs >= 0 ? '+' : ''}${node.clock!.offsetMs} ms (±${node.clock!.uncertaintyMs})${node.standby ? ' standby' : ''}`).join(', ');
    }

    // 1. Clocks right: the baseline.
    const calmFrom = Date.now();
    const calm = await firings(await startDurations('calm', NODES));
    const calmTicks = await ticks(calmFrom, Date.now());
    judge('clocks right', [...calm, ...calmTicks]);
    console.log(`  offsets measured: ${await offsets()}`);

    // 2. node-1 2 s ahead, node-2 2 s behind, node-3 30 s ahead: node-3 hands its partitions over.
    setOffset('node-1', 2_000);
    setOffset('node-2', -2_000);
    setOffset('node-3', 30_000);
    const skewedStatus = await waitFor(async () => {
      const current = await status();
      const clockOf = (nodeId: string) => current.nodes.find((node) => node.nodeId === nodeId)?.clock?.offsetMs ?? 0;
      const measured = Math.abs(clockOf('node-1') - 2_000) < 50 && Math.abs(clockOf('node-2') + 2_000) < 50 && Math.abs(clockOf('node-3') - 30_000) < 50;
      return measured && current.nodes.find((node) => node.nodeId === 'node-3')?.standby ? current : undefined;
    }, 15_000, 'every node measured its new offset, node-3 in standby');
    const standby = skewedStatus.nodes.find((node) => node.nodeId === 'node-3')!;
    expect(standby.standby).toMatch(/^this host's clock is \d{5} ms ahead of the database's \(more than VIGIL_MAX_CLOCK_OFFSET_MS = 5000 ms\)$/);
    expect(standby.clock!.status).toBe('beyond-max');
    await waitForBalance(isolation.databaseUrl, ['node-1', 'node-2'], PARTITIONS);
    await waitFor(() => nodes[2]!.output.includes('owning no partitions until it is back within bounds'), 5_000, 'node-3 saying why it stands by');
    expect(nodes[0]!.output).toContain('more than VIGIL_CLOCK_WARN_OFFSET_MS = 1000 ms');

    const skewedFrom = Date.now();
    const skewed = await firings(await startDurations('skewed', ['node-1', 'node-2']));
    const skewedTicks = await ticks(skewedFrom, Date.now());
    judge('clocks +2 s / -2 s / +30 s', [...skewed, ...skewedTicks]);
    console.log(`  offsets measured: ${await offsets()}`);
    // The combination that fired ~4 s early before: node-2 (behind) stamped the change, node-1 (ahead) fired it.
    expect(skewed.some((firing) => firing.kind === 'for' && firing.firedBy === 'node-1')).toBe(true);
    expect(skewed.every((firing) => firing.firedBy !== 'node-3')).toBe(true);

    // 3. node-3 30 s behind: still beyond. Back within bounds: it takes its share again.
    setOffset('node-3', -30_000);
    await waitFor(async () => {
      const node3 = (await status()).nodes.find((node) => node.nodeId === 'node-3');
      return Math.abs((node3?.clock?.offsetMs ?? 0) + 30_000) < 50 && node3?.standby?.includes('behind the database');
    }, 10_000, 'node-3 30 s behind, still in standby');
    console.log(`node-3 stepped to 30 s behind: ${await offsets()}`);
    setOffset('node-3', 0);
    await waitForBalance(isolation.databaseUrl, NODES, PARTITIONS);
    expect(nodes[2]!.output).toContain('taking partitions again');
    expect((await status()).nodes.every((node) => node.standby === undefined)).toBe(true);
  }, scaled(150_000));
});
