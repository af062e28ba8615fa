import {
  CommandListener,
  CommandRouter,
  CommitBatcher,
  EntityRuntime,
  onEntityChanged,
  OutboxRelay,
  partitionOf,
  Placement,
  RuntimeError,
  SatelliteAccess,
  satelliteCredentialNoticeSchema,
  SatelliteSessionSweeper,
  TimerScheduler,
} from '../actors/index.ts';
import { ClusterBucket, connectBus, ensureStreams, type Bus } from '../bus/index.ts';
import { startHttpServer, type HttpServer } from '../gateway/index.ts';
import { AssignmentStore, Database, LeaseStore, OutboxStore, SatelliteCredentialStore, SatelliteSessionStore, TimerStore, TransitionStore } from '../persistence/index.ts';
import type { Assignment } from '../protocol/satellite-protocol.ts';
import { z } from 'zod';
import type { VigilConfig } from './config.ts';
import { startEmbeddedNats, type EmbeddedNats } from './embedded-nats.ts';
import { readSetupFile } from '../setup/setup-file.ts';
import { applySetupOnStart } from './setup-on-start.ts';
import { startAutomationEngine } from '../automations/engine/automation-engine.ts';
import type { Logger } from './logger.ts';

const satelliteSessionMessageSchema = z.object({ node: z.string(), openedAt: z.number(), connectionId: z.string() });

function safeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
}

/** A running Vigil node and the parts tests and the CLI reach into. */
export interface VigilNode {
  readonly config: VigilConfig;
  readonly runtime: EntityRuntime;
  /** Sends a command to the entity's owner, on this node or another (see CommandRouter). */
  readonly router: CommandRouter;
  readonly placement: Placement;
  readonly bus: Bus;
  readonly database: Database;
  readonly relay: OutboxRelay;
  readonly http: HttpServer;
  /** Changes satellite credentials and tells every node (rotate, remove, issue, install). */
  readonly satelliteAccess: SatelliteAccess;
  /** Finds satellites marked connected through sockets that no longer exist (see SatelliteSessionSweeper). */
  readonly satelliteSessions: SatelliteSessionSweeper;
  /** Graceful stop: refuse new work, finish in-flight commands, hand partitions over, flush the outbox, close. */
  stop(): Promise<void>;
}

/**
 * Starts a node: NATS (embedded if none configured), the database (migrated), streams, the
 * cluster bucket and placement, the entity runtime with its group commit, outbox relay and
 * timer scheduler, the NATS command listener, and HTTP. `/readyz` turns ready, and the
 * "vigil node ready" line is logged, once every partition has an owner, the setup file is
 * applied and the automation engine runs.
 */
export async function startNode(
  config: VigilConfig,
  log: Logger,
  /** Called when the node must not go on (e.g. another live process uses its node id); default: stop. */
  onFatal?: (reason: string) => void,
): Promise<VigilNode> {
  // A broken setup file stops the start before anything runs (SetupFileError: exit code 2).
  const setup = config.setupFile ? readSetupFile(config.setupFile) : undefined;
  const cleanup: Array<() => Promise<void> | void> = [];
  try {
    // NATS first: with nothing configured, a missing nats-server binary should fail fast.
    let natsUrl = config.natsUrl;
    let embedded: EmbeddedNats | undefined;
    if (!natsUrl) {
      embedded = await startEmbeddedNats(config.dataDir);
      cleanup.push(() => embedded!.stop());
      natsUrl = embedded.url;
      log.info({ url: natsUrl }, 'started embedded nats-server (set NATS_URL to use your own)');
    }
    const database = await Database.open({ url: config.databaseUrl, dataDir: config.dataDir });
    cleanup.push(() => database.close());
    log.info({ dialect: database.dialect }, 'database open');
    if (config.migrateOnStart) {
      const applied = await database.migrate();
      if (applied.length > 0) log.info({ applied }, 'migrations applied');
    }
    const leases = new LeaseStore(database);
    const partitionCount = await leases.settle('partitions', config.partitions);
    if (partitionCount !== config.partitions) {
      throw new Error(`this cluster has ${String(partitionCount)} partitions but VIGIL_PARTITIONS is ${config.partitions}; every node must use the cluster's value`);
    }

    const bus = await connectBus({ servers: natsUrl, namespace: config.namespace, name: `vigil-${config.nodeId}` });
    cleanup.push(() => bus.close());
    await ensureStreams(bus, { replicas: config.streamReplicas, duplicateWindowMs: config.duplicateWindowMs });
    const bucket = await ClusterBucket.open(bus, { ttlMs: config.timeouts.leaseTtlMs, replicas: config.streamReplicas });

    const partitionOfEntity = (kind: string, id: string) => partitionOf(kind, id, config.partitions);
    const store = new TransitionStore(database, config.nodeId);
    const relay = new OutboxRelay(new OutboxStore(database), bus, log, { pollMs: config.timeouts.outboxPollMs });
    let timers: TimerScheduler | undefined;
    let placement: Placement | undefined;
    const batcher = new CommitBatcher(
      store,
      (items, outbox) => {
        relay.publishCommitted(outbox);
        timers?.onCommitted(items);
      },
      () => placement!.fence(),
    );
    const runtime = new EntityRuntime({
      store,
      batcher,
      passivateAfterMs: config.timeouts.passivateAfterMs,
      partitionOf: partitionOfEntity,
      isAuthoritative: (kind, id) => placement!.isFresh(partitionOfEntity(kind, id)),
      onLeaseFenced: (partition) => placement!.fenced(partition),
    });
    timers = new TimerScheduler(runtime, new TimerStore(database), log, {
      pollMs: config.timeouts.timerPollMs,
      ownedPartitions: () => placement!.ownedPartitions(),
      owns: (partition) => placement!.owns(partition),
    });

    const assignments = new AssignmentStore(database);
    const credentials = new SatelliteCredentialStore(database);
    const access = new SatelliteAccess(credentials, bus.nc, bus.subjects);
    let sweeper: SatelliteSessionSweeper | undefined;
    let ready = false;
    let router: CommandRouter | undefined;
    // Assigned once everything runs; a fatal condition found earlier aborts the start instead.
    let stop: () => Promise<void> = async () => {
      throw new Error('the node is still starting');
    };
    const http = await startHttpServer({
      host: config.http.host,
      port: config.http.port,
      nodeId: config.nodeId,
      commandTimeoutMs: config.timeouts.commandMs,
      dispatch: (kind, id, event, options) => {
        if (!router) throw RuntimeError.unavailable('the node is starting');
        return router.dispatch(kind, id, event, options);
      },
      runtime,
      log,
      satellites: {
        announce: (satelliteId, session) => bus.nc.publish(bus.subjects.satelliteSession(satelliteId), JSON.stringify({ node: config.nodeId, ...session })),
        credentials,
        assignments: async (satelliteId) => (await assignments.assignmentsFor(satelliteId)) as Assignment[],
        resultTimeLimits: { maxClockAheadMs: config.satellites.maxClockAheadMs, maxAgeMs: config.satellites.maxResultAgeMs },
        credentialRecheckMs: config.satellites.credentialRecheckMs,
      },
      readiness: [
        { name: 'node', check: () => ready },
        { name: 'database', check: () => database.isReachable() },
        { name: 'nats', check: () => bus.isConnected() },
        { name: 'placement', check: () => placement?.coverage() === config.partitions },
      ],
    });
    cleanup.push(() => http.close());

    placement = new Placement({
      nodeId: config.nodeId,
      httpPort: http.port,
      partitionCount: config.partitions,
      leaseTtlMs: config.timeouts.leaseTtlMs,
      bucket,
      leases,
      log,
      isConnected: () => bus.isConnected(),
      onDuplicateNodeId: (other) => {
        const reason = `another live process uses node id ${config.nodeId} (started ${new Date(other.startedAt).toISOString()}); give every node its own VIGIL_NODE_ID`;
        log.fatal({ other }, reason);
        if (onFatal) onFatal(reason);
        else void stop().catch(() => undefined);
      },
      hooks: {
        acquired: (partition) => {
          // Actors of this partition that survived from an earlier ownership may be stale.
          runtime.forgetPartition(partition);
          timers!.pollSoon();
          // Its satellites may be marked connected through a node that died.
          sweeper?.sweepSoon();
        },
        lost: (partition) => runtime.forgetPartition(partition),
        drain: (partition, timeoutMs) => runtime.drainPartition(partition, timeoutMs),
      },
    });
    router = new CommandRouter(runtime, placement, bus, config.nodeId, config.timeouts.commandMs);
    const commands = new CommandListener(bus, runtime, router, placement, config.nodeId, log, config.timeouts.commandMs);

    // A check changed anywhere in the cluster: every node pushes new assignments to the
    // affected satellites whose sockets it holds.
    const checkChanges = await onEntityChanged(bus, {
      kind: 'check',
      delivery: { mode: 'broadcast' },
      handler: async (change) => {
        const satellites = [...((change.prev?.satelliteIds as string[] | undefined) ?? []), ...((change.next?.satelliteIds as string[] | undefined) ?? [])];
        await http.refreshAssignments(satellites);
      },
    });
    cleanup.push(() => checkChanges.stop());
    // A satellite connected to another node: close an older socket of it held here.
    const sessions = bus.nc.subscribe(bus.subjects.satelliteSessionFilter(), {
      callback: (error, msg) => {
        if (error) return;
        const parsed = satelliteSessionMessageSchema.safeParse(safeJson(msg.data));
        if (!parsed.success || parsed.data.node === config.nodeId) return;
        http.satelliteSessionAnnounced(msg.subject.split('.').at(-2)!, parsed.data);
      },
    });
    cleanup.push(() => sessions.unsubscribe());
    // A satellite's token was rotated or the satellite removed (SatelliteAccess, anywhere).
    const credentialNotices = bus.nc.subscribe(bus.subjects.satelliteCredentialFilter(), {
      callback: (error, msg) => {
        if (error) return;
        const parsed = satelliteCredentialNoticeSchema.safeParse(safeJson(msg.data));
        if (parsed.success) http.satelliteCredentialChanged(parsed.data);
      },
    });
    cleanup.push(() => credentialNotices.unsubscribe());
    sweeper = new SatelliteSessionSweeper({
      nodeId: config.nodeId,
      sessions: new SatelliteSessionStore(database),
      heldSession: (satelliteId) => http.satelliteSessionHeld(satelliteId),
      ownsSatellite: (satelliteId) => placement!.owns(partitionOfEntity('satellite', satelliteId)),
      isGone: (nodeId) => placement!.isGone(nodeId),
      dispatch: (kind, id, event, options) => router!.dispatch(kind, id, event, options),
      log,
      everyMs: config.satellites.sessionSweepMs,
    });

    runtime.start();
    relay.start();
    commands.start();
    await placement.start();
    timers.start();
    cleanup.push(() => relay.stop(), () => timers!.stop());
    await placement.ready(config.timeouts.leaseTtlMs * 3);
    if (setup) await applySetupOnStart(setup, { runtime, router, access, credentials, log });
    // Sessions this node held before it crashed (same node id) and sessions of nodes that died;
    // first after one lease time, so agents that come straight back are not marked disconnected.
    sweeper.start(config.timeouts.leaseTtlMs);
    cleanup.push(() => sweeper!.stop());
    const automations = await startAutomationEngine({
      bus,
      database,
      runtime,
      dispatch: (kind, id, event, options) => router!.dispatch(kind, id, event, options),
      log,
      secrets: new Map(Object.entries(config.secrets)),
      runRetention: { retentionMs: config.automations.runRetentionMs, everyMs: config.automations.runPruneEveryMs },
    });
    // Ready only once everything runs: a supervisor (or test) that acts on "ready" finds the
    // node whole, and a stop requested from then on finds every part started.
    ready = true;
    log.info({ port: http.port, nodeId: config.nodeId, namespace: config.namespace, partitions: placement.ownedPartitions().length }, 'vigil node ready');

    let stopping: Promise<void> | undefined;
    stop = () =>
      (stopping ??= (async () => {
        ready = false;
        log.info('stopping: handing partitions over');
        // Partitions first: each is drained (its queued events committed) and released, so the
        // next owner takes it at once instead of after the lease time.
        await automations.stop();
        await sweeper!.stop();
        await placement!.stop(config.timeouts.shutdownMs);
        await commands.stop();
        await runtime.stop(config.timeouts.shutdownMs);
        timers!.stop();
        const flushed = await relay.flush(config.timeouts.shutdownMs);
        if (!flushed) log.warn('outbox not empty at shutdown; another node (or the next start) will publish it');
        for (const step of cleanup.reverse()) await Promise.resolve(step()).catch(() => undefined);
        log.info('stopped');
      })());
    return { config, runtime, router, placement, bus, database, relay, http, satelliteAccess: access, satelliteSessions: sweeper, stop };
  } catch (error) {
    for (const step of cleanup.reverse()) await Promise.resolve(step()).catch(() => undefined);
    throw error;
  }
}
