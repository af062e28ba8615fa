import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VigilNode } from '../../node/index.ts';
import { createTestNamespace } from '../support/isolation.ts';
import { PostgresProcess } from '../support/postgres-process.ts';
import { readStream, waitFor } from '../support/stream-reader.ts';
import { startTestNode } from '../support/test-node.ts';
import { scaled } from '../support/time-scale.ts';

let postgres: PostgresProcess;
let node: VigilNode;
const cleanup: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  postgres = new PostgresProcess();
  await postgres.start();
  const namespace = createTestNamespace();
  node = await startTestNode({ databaseUrl: postgres.url, namespace: namespace.namespace });
  cleanup.push(() => node.stop(), namespace.cleanup, () => postgres.destroy());
});

afterAll(async () => {
  for (const step of cleanup) await step().catch(() => undefined);
});

describe('PostgreSQL crashing and coming back', () => {
  it('loses no acknowledged transition, duplicates none, and publishes each exactly once', async () => {
    const ids = Array.from({ length: 20 }, (_, index) => `sys-${index}`);
    await Promise.all(ids.map((id) => node.router.dispatch('system', id, { type: 'create', name: id })));
    const acknowledged: Array<{ id: string; version: number; marker: string }> = [];
    const failures = new Map<string, number>();
    let running = true;
    let sequence = 0;
    const load = (async () => {
      while (running) {
        await Promise.all(
          ids.map(async (id) => {
            const marker = `m${++sequence}`;
            try {
              const change = await node.router.dispatch('system', id, { type: 'update', description: marker }, { timeoutMs: 3_000 });
              if (change) acknowledged.push({ id, version: change.version, marker });
            } catch (error) {
              const code = (error as { code?: string }).code ?? 'OTHER';
              failures.set(code, (failures.get(code) ?? 0) + 1);
            }
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, 700));
    await postgres.stop('immediate'); // a crash: no checkpoint, WAL replay on start
    const acknowledgedAtCrash = acknowledged.length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await postgres.start();
    await waitFor(async () => acknowledged.length > acknowledgedAtCrash + 40, 30_000, 'commits after the restart');
    running = false;
    await load;
    console.log(`PostgreSQL crash: ${acknowledged.length} acknowledged (${acknowledgedAtCrash} before the crash); refused meanwhile:`, Object.fromEntries(failures));
    expect(failures.get('UNAVAILABLE') ?? 0).toBeGreaterThan(0);

    const db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    try {
      const { rows } = await db.query(`select id, version, event->>'description' as marker from entity_transitions where kind = 'system'`);
      const byMarker = new Map<string, Array<{ id: string; version: number }>>();
      for (const row of rows) if (row.marker) byMarker.set(row.marker, [...(byMarker.get(row.marker) ?? []), { id: row.id, version: row.version }]);
      for (const command of acknowledged) expect(byMarker.get(command.marker), command.marker).toEqual([{ id: command.id, version: command.version }]);
      for (const [marker, found] of byMarker) expect(found.length, marker).toBe(1);
      const gaps = await db.query('select id from entity_transitions group by kind, id having count(*) <> max(version)');
      expect(gaps.rows).toEqual([]);
      await waitFor(async () => Number((await db.query('select count(*) from outbox')).rows[0].count) === 0, 20_000, 'outbox drained');

      const onStream = (await readStream(node.bus, node.bus.subjects.streams.entity, node.bus.subjects.entityFilter())).map((message) => message.messageId).sort();
      const committed = rows.map((row) => `system:${row.id}:${row.version}`).sort();
      expect(onStream).toEqual(committed);
    } finally {
      await db.end();
    }
  }, scaled(90_000));

  it('an automation in flight loses no fire, no step and no delay while PostgreSQL is down for 10 s, and runs each once', async () => {
    const systems = Array.from({ length: 10 }, (_, index) => `outage-${index}`);
    for (const id of systems) await node.router.dispatch('system', id, { type: 'create', name: id });
    await node.router.dispatch('automation', 'outlives-outage', {
      type: 'save',
      definition: {
        id: 'outlives-outage',
        name: 'delay, then log',
        scope: 'context',
        triggers: [{ id: 'renamed', event: 'catalog.updated', filter: 'trigger.payload.systemName.startsWith("outage")' }],
        actions: [{ delay: '2s' }, { action: 'automation.log', config: { message: '{{ trigger.payload.systemId }} survived' } }],
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const id of systems) await node.router.dispatch('system', id, { type: 'update', name: `outage ${id}` });
    // Crash while the fires are routed, runs start and their delays are armed.
    await postgres.stop('immediate');
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    await postgres.start();

    const db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    try {
      const runs = async () => (await db.query(`select id, state from entity_state where kind = 'automation_run' and state->>'automationId' = 'outlives-outage'`)).rows;
      await waitFor(async () => (await runs()).filter((row) => row.state.status === 'succeeded').length === systems.length, 60_000, 'every run succeeded after the outage');
      const found = await runs();
      expect(found.map((row) => row.id).sort()).toEqual(systems.map((id) => `outlives-outage:${id}:r1`).sort());
      for (const row of found) expect(row.state.steps.map((step: { kind: string; status: string }) => `${step.kind} ${step.status}`)).toEqual(['delay succeeded', 'action succeeded']);
    } finally {
      await db.end();
    }
  }, scaled(120_000));
});
