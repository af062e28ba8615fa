import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CommandReply } from '../../actors/index.ts';
import { subjectsFor } from '../../bus/index.ts';
import type { EntityChange } from '../../machines/index.ts';
import { useIsolation } from '../support/fixtures.ts';
import { commandHeaders, NATS_URL } from '../support/isolation.ts';
import { NodeProcess } from '../support/node-process.ts';
import { waitFor } from '../support/stream-reader.ts';
import { scaled } from '../support/time-scale.ts';

const isolation = useIsolation();
let nc: NatsConnection;

beforeAll(async () => {
  nc = await connect({ servers: NATS_URL });
  isolation.defer(() => nc.close());
});

describe('a node killed with kill -9 mid-stream', () => {
  it('loses no acknowledged command and resumes with the same state after restart', async () => {
    const node = new NodeProcess({ databaseUrl: isolation.databaseUrl, namespace: isolation.namespace, nodeId: 'restart-me' });
    isolation.defer(() => node.kill());
    await node.start();
    const subjects = subjectsFor(isolation.namespace);
    const ids = Array.from({ length: 10 }, (_, index) => `inc-${index}`);
    const acknowledged: EntityChange[] = [];
    const send = async (id: string, event: unknown) => {
      try {
        const reply = (await nc.request(subjects.command('incident', id), JSON.stringify(event), { timeout: 2_000, headers: commandHeaders() })).json<CommandReply>();
        if (reply.ok && reply.change) acknowledged.push(reply.change);
      } catch {
        // no responder while the node is down, or a timeout: not acknowledged
      }
    };
    await Promise.all(ids.map((id) => send(id, { type: 'create', title: id, severity: 'minor', systemIds: ['web'] })));

    let running = true;
    let sent = 0;
    const load = (async () => {
      while (running) {
        await Promise.all(ids.map((id) => send(id, { type: 'post_update', message: `update ${sent++}` })));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await node.kill('SIGKILL');
    const acknowledgedBeforeKill = acknowledged.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    await node.start();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    running = false;
    await load;
    expect(acknowledgedBeforeKill).toBeGreaterThan(20);
    expect(acknowledged.length).toBeGreaterThan(acknowledgedBeforeKill);

    const db = new pg.Client({ connectionString: isolation.databaseUrl });
    await db.connect();
    try {
      // Every acknowledged change is stored, as acknowledged.
      for (const change of acknowledged) {
        const { rows } = await db.query('select next from entity_transitions where kind = $1 and id = $2 and version = $3', [change.kind, change.id, change.version]);
        expect(rows, `${change.id} v${change.version}`).toHaveLength(1);
        expect(rows[0].next).toEqual(change.next);
      }
      // Versions 1..n per entity, no gap, no duplicate; the state row matches the last transition.
      for (const id of ids) {
        const { rows } = await db.query('select version from entity_transitions where kind = $1 and id = $2 order by version', ['incident', id]);
        const versions = rows.map((row) => row.version);
        expect(versions).toEqual(Array.from({ length: versions.length }, (_, index) => index + 1));
        const state = await (await node.url(`/entities/incident/${id}`)).json();
        expect(state.version).toBe(versions.length);
      }
      // And the relay published everything, including what the killed node left in its outbox.
      await waitFor(async () => Number((await db.query('select count(*) from outbox')).rows[0].count) === 0, 15_000, 'outbox drained');
    } finally {
      await db.end();
      await node.kill('SIGTERM');
    }
  }, scaled(90_000));
});
