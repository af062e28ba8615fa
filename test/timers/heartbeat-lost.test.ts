import { connect, type NatsConnection } from '@nats-io/transport-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { onTrigger, type CommandReply } from '../../actors/index.ts';
import { connectBus, subjectsFor, type Bus } from '../../bus/index.ts';
import type { EntityChange, TriggerMessage } from '../../machines/index.ts';
import { useIsolation, useTestNode } from '../support/fixtures.ts';
import { commandHeaders, NATS_URL } from '../support/isolation.ts';
import { NodeProcess } from '../support/node-process.ts';
import { readStream, waitFor } from '../support/stream-reader.ts';
import { scaled } from '../support/time-scale.ts';

describe('satellite heartbeat timer', () => {
  const fixture = useTestNode();

  it('goes offline once no heartbeat came within the threshold, never early, and fires heartbeat_lost once', async () => {
    const lost: TriggerMessage[] = [];
    const subscription = await onTrigger(fixture.node.bus, 'satellite.heartbeat_lost', async (message) => void lost.push(message), {
      delivery: { mode: 'work-queue', group: 'heartbeat-watch' },
    });
    await fixture.node.runtime.dispatch('satellite', 'eu-1', { type: 'register', name: 'EU 1', region: 'eu-west', heartbeatThresholdMs: 1_000 });
    const online = await fixture.node.runtime.dispatch('satellite', 'eu-1', { type: 'connect' });
    // Heartbeats keep it online past several thresholds.
    for (let beat = 0; beat < 5; beat++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await fixture.node.runtime.dispatch('satellite', 'eu-1', { type: 'heartbeat' });
    }
    expect((await fixture.node.runtime.get('satellite', 'eu-1')).stateValue).toBe('online');
    const lastBeat = (await fixture.node.runtime.history('satellite', 'eu-1')).at(-1)!.at;

    const offline = await waitFor(async () => {
      const history = await fixture.node.runtime.history('satellite', 'eu-1');
      return history.find((row) => row.cause.event === 'heartbeat_timeout');
    }, 5_000, 'offline transition');
    expect(offline.at).toBeGreaterThanOrEqual(lastBeat + 1_000);
    expect(offline.next).toMatchObject({ offlineReason: 'heartbeat_lost' });
    expect(online?.version).toBe(2);

    await waitFor(() => lost.length === 1, 5_000, 'heartbeat_lost trigger');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ trigger: 'satellite.heartbeat_lost', contextKey: 'satelliteId', contextValue: 'eu-1', payload: { satelliteId: 'eu-1', name: 'EU 1', region: 'eu-west' } });
    // Offline waits for nothing: its timer row is gone.
    expect(Number((await fixture.node.database.query<{ n: string }>('select count(*) as n from entity_timers'))[0]!.n)).toBe(0);
    await subscription.stop();
  });
});

describe('satellite heartbeat timer across a node restart', () => {
  const isolation = useIsolation();
  let nc: NatsConnection;
  let bus: Bus;
  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    bus = await connectBus({ servers: NATS_URL, namespace: isolation.namespace, name: 'timer-test' });
    isolation.defer(() => nc.close());
    isolation.defer(() => bus.close());
  });

  it('fires on the restarted node, late but once, when the node died while waiting', async () => {
    const node = new NodeProcess({ databaseUrl: isolation.databaseUrl, namespace: isolation.namespace, nodeId: 'timer-node' });
    isolation.defer(() => node.kill());
    await node.start();
    const subjects = subjectsFor(isolation.namespace);
    const command = async (event: unknown) =>
      (await nc.request(subjects.command('satellite', 'us-1'), JSON.stringify(event), { timeout: 5_000, headers: commandHeaders() })).json<CommandReply>();
    expect((await command({ type: 'register', name: 'US 1', region: 'us-east', heartbeatThresholdMs: 1_500 })).ok).toBe(true);
    // `connect` is the satellite gateway's event: callers may not send it. Sent here on the node's
    // own subject, as the gateway of that node would (only nodes may publish there).
    const connected = (
      await nc.request(subjects.nodeCommand('timer-node', 'satellite', 'us-1'), JSON.stringify({ type: 'connect' }), { timeout: 5_000 })
    ).json<CommandReply>();
    expect(connected.ok).toBe(true);
    const connectedAt = (connected as { change: EntityChange }).change.at;

    await node.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // the deadline passes while no node runs
    await node.start();

    const offline = await waitFor(async () => {
      const body = await (await node.url('/entities/satellite/us-1/history')).json();
      return (body.transitions as Array<{ cause: { event: string }; at: number }>).find((row) => row.cause.event === 'heartbeat_timeout');
    }, 10_000, 'offline after restart');
    expect(offline.at).toBeGreaterThanOrEqual(connectedAt + 1_500);

    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const lost = await readStream(bus, bus.subjects.streams.trigger, bus.subjects.trigger('satellite.heartbeat_lost'));
    expect(lost).toHaveLength(1);
    await node.kill('SIGTERM');
  }, scaled(60_000));
});
