import { describe, expect, it } from 'vitest';
import { connectBus } from '../../bus/index.ts';
import { freePort } from '../../node/index.ts';
import { Database, SatelliteCredentialStore } from '../../persistence/index.ts';
import { auditFencing, idsOwnedBy, startClusterWithClients } from '../support/cluster.ts';
import { useIsolation, type Isolation } from '../support/fixtures.ts';
import { NATS_URL } from '../support/isolation.ts';
import { startAgentProcess, type AgentProcess } from '../support/satellite-agent.ts';
import { readStream, waitFor } from '../support/stream-reader.ts';
import { scaled } from '../support/time-scale.ts';

/**
 * `connected` follows the sockets that exist, even when the node holding them dies: the new
 * owner of a satellite's partition marks the sessions of a dead node disconnected (firing
 * `satellite.disconnected`), a node restarted with the same id does so for its own pre-crash
 * sessions, and a satellite that reconnected meanwhile stays connected.
 */
const LEASE_TTL_MS = 2000;
/** Sweeps every second, so "stays connected" is checked across several sweeps. */
const env = { VIGIL_SATELLITE_SESSION_SWEEP_MS: '1000' };

interface StoredSatellite {
  connected: boolean;
  session: { node: string; id: string } | null;
}

async function setup(isolation: Isolation, size: number, extraEnv: Record<string, string> = {}) {
  const { nodes, db, command } = await startClusterWithClients(isolation, { size, leaseTtlMs: LEASE_TTL_MS, env: { ...env, ...extraEnv } });
  const database = await Database.open({ url: isolation.databaseUrl, dataDir: '/tmp', poolSize: 2 });
  isolation.defer(() => database.close());
  const credentials = new SatelliteCredentialStore(database);
  const bus = await connectBus({ servers: NATS_URL, namespace: isolation.namespace, name: 'satellite-sessions' });
  isolation.defer(() => bus.close());
  const agents: AgentProcess[] = [];
  isolation.defer(() => Promise.all(agents.map((agent) => agent.kill())));
  /** Registers the satellite, gives it a token and starts its agent against `ports`. */
  const satellite = async (id: string, ports: number[]) => {
    await command('satellite', id, { type: 'register', name: id, region: 'test' });
    const agent = startAgentProcess((await credentials.issue(id)).token, ports);
    agents.push(agent);
    return agent;
  };
  const stateOf = async (id: string) =>
    (await db.query(`select state from entity_state where kind = 'satellite' and id = $1`, [id])).rows[0]?.state as StoredSatellite | undefined;
  const connectedVia = (id: string, node: string) => waitFor(async () => {
    const state = await stateOf(id);
    return state?.connected === true && state.session?.node === node ? state.session : undefined;
  }, 30_000, `${id} connected through ${node}`);
  const disconnectedTriggers = async (id: string) =>
    (await readStream(bus, bus.subjects.streams.trigger, bus.subjects.trigger('satellite.disconnected'))).filter((message) => (message.json as { contextValue: string }).contextValue === id);
  const transitions = async (id: string) =>
    (await db.query(`select version, event, cause->>'actor' as actor, committed_by, next from entity_transitions where kind = 'satellite' and id = $1 order by version`, [id])).rows as Array<{
      version: number;
      event: { type: string; sessionId?: string; session?: { node: string; id: string } };
      actor: string | null;
      committed_by: string;
      next: StoredSatellite | null;
    }>;
  return { nodes, db, satellite, stateOf, connectedVia, disconnectedTriggers, transitions, audit: () => auditFencing(isolation.databaseUrl, 32) };
}

describe('satellite sessions of a node that dies', () => {
  const isolation = useIsolation();
  it('are marked disconnected by the survivor (satellite.disconnected fires); a satellite that reconnected to it stays connected', async () => {
    const { nodes, db, satellite, stateOf, connectedVia, disconnectedTriggers, transitions, audit } = await setup(isolation, 2);
    const [node1, node2] = nodes as [typeof nodes[0], typeof nodes[0]];
    // One lost satellite whose entity node-1 owns (its partition changes hands) and one whose
    // entity node-2 owns already (no takeover of its partition): both connected through node-1.
    const candidates = Array.from({ length: 200 }, (_, index) => `lost-${index}`);
    const lostOnNode1 = (await idsOwnedBy(db, 'node-1', 'satellite', candidates))[0]!;
    const lostOnNode2 = (await idsOwnedBy(db, 'node-2', 'satellite', candidates))[0]!;
    const lost = [lostOnNode1, lostOnNode2];
    const lostAgents = await Promise.all(lost.map((id) => satellite(id, [node1.port])));
    // The mover knows both nodes: when node-1 dies it reconnects to node-2.
    await satellite('mover', [node1.port, node2.port]);
    const oldSessions = new Map<string, { node: string; id: string }>();
    for (const id of [...lost, 'mover']) oldSessions.set(id, await connectedVia(id, 'node-1'));

    // The node dies first (so it cannot see the sockets close), then the lost satellites' agents.
    await node1.kill('SIGKILL');
    await Promise.all(lostAgents.map((agent) => agent.kill()));

    for (const id of lost) {
      await waitFor(async () => (await stateOf(id))?.connected === false, 30_000, `${id} marked disconnected`);
      await waitFor(async () => (await disconnectedTriggers(id)).length === 1, 10_000, `satellite.disconnected for ${id}`);
      const disconnect = (await transitions(id)).find((row) => row.event.type === 'disconnect')!;
      // By the survivor, for the dead node's session, as the survivor.
      expect(disconnect).toMatchObject({ committed_by: 'node-2', actor: 'node:node-2', event: { sessionId: oldSessions.get(id)!.id }, next: { connected: false, session: null } });
      expect(await stateOf(id)).toMatchObject({ connected: false, session: null });
    }

    const moved = await connectedVia('mover', 'node-2');
    expect(moved.id).not.toBe(oldSessions.get('mover')!.id);
    // Heartbeats keep arriving through node-2 while the survivor sweeps every second: five more
    // of them and it is still connected through the same session.
    const movedAt = (await transitions('mover')).find((row) => row.event.type === 'connect' && row.event.session?.id === moved.id)!.version;
    await waitFor(async () => (await transitions('mover')).filter((row) => row.version > movedAt && row.event.type === 'heartbeat').length >= 5, 30_000, 'five heartbeats through node-2');
    const after = (await transitions('mover')).filter((row) => row.version > movedAt);
    expect(after.filter((row) => row.event.type === 'disconnect')).toEqual([]);
    expect(await stateOf('mover')).toMatchObject({ connected: true, session: { node: 'node-2', id: moved.id } });
    expect(await audit()).toEqual([]);
  }, scaled(180_000));
});

describe('satellite sessions of a node restarted with the same id', () => {
  const isolation = useIsolation();
  it('are marked disconnected by the node itself; a satellite that reconnected to it stays connected', async () => {
    // A fixed port, so the agent finds the node again after its restart.
    const { nodes, satellite, stateOf, connectedVia, disconnectedTriggers, transitions } = await setup(isolation, 1, { VIGIL_HTTP_PORT: String(await freePort()) });
    const node = nodes[0]!;
    const goneAgent = await satellite('gone', [node.port]);
    await satellite('back', [node.port]);
    const before = { gone: await connectedVia('gone', 'node-1'), back: await connectedVia('back', 'node-1') };

    await node.kill('SIGKILL');
    await goneAgent.kill();
    await node.start();
    // No other node exists: only the restarted node can clean up after its previous run.
    await waitFor(async () => (await stateOf('gone'))?.connected === false, 30_000, 'gone marked disconnected');
    await waitFor(async () => (await disconnectedTriggers('gone')).length === 1, 10_000, 'satellite.disconnected for gone');
    const disconnect = (await transitions('gone')).find((row) => row.event.type === 'disconnect')!;
    expect(disconnect).toMatchObject({ committed_by: 'node-1', actor: 'node:node-1', event: { sessionId: before.gone.id } });

    // `back` reconnected to the restarted node: connected through its new session, and it stays so.
    const back = await waitFor(async () => {
      const state = await stateOf('back');
      return state?.connected && state.session && state.session.id !== before.back.id ? state.session : undefined;
    }, 60_000, 'back connected again through a new session');
    const backAt = (await transitions('back')).find((row) => row.event.type === 'connect' && row.event.session?.id === back.id)!.version;
    await waitFor(async () => (await transitions('back')).filter((row) => row.version > backAt && row.event.type === 'heartbeat').length >= 5, 30_000, 'five heartbeats after reconnecting');
    expect((await transitions('back')).filter((row) => row.version > backAt && row.event.type === 'disconnect')).toEqual([]);
    expect(await stateOf('back')).toMatchObject({ connected: true, session: { node: 'node-1', id: back.id } });
  }, scaled(120_000));
});
