import {
  ClockGuard,
  ClusterClock,
  CommandListener,
  CommandRouter,
  CommitBatcher,
  EntityRuntime,
  monotonicNow,
  onEntityChanged,
  OutboxRelay,
  partitionOf,
  Placement,
  RuntimeError,
  SatelliteAccess,
  satelliteCredentialNoticeSchema,
  SatelliteSessionSweeper,
  startPushResultReactor,
  TimerScheduler,
} from '../actors/index.ts';
import { ClusterBucket, connectBus, describeNatsAuth, ensureStreams, redactServers, type Bus, type NatsAuthSettings } from '../bus/index.ts';
import { AddressAllowList, HttpRequestError, startHttpServer, uwsBuild, type HttpServer, type LiveStream } from '../gateway/index.ts';
import { createNodeMetrics, type NodeMetrics } from '../metrics/index.ts';
import { ensureAdminToken, TokenAdmin, TokenAuthenticator } from '../auth/index.ts';
import {
  ApiTokenStore,
  AssignmentStore,
  CheckHistoryFolds,
  CheckHistoryPartitions,
  CheckHistoryQueries,
  CheckHistoryStore,
  Database,
  DataFolderLock,
  DeliveryStore,
  EntityListing,
  StateQueries,
  SystemQueries,
  LeaseStore,
  OutboxStore,
  PushTokenStore,
  readDatabaseClock,
  SatelliteCredentialStore,
  SatelliteSessionStore,
  StatusPageQuery,
  TimerStore,
  TransitionStore,
} from '../persistence/index.ts';
import type { Assignment } from '../protocol/satellite-protocol.ts';
import { isFinalRunStatus, type AutomationRunState } from '../machines/index.ts';
import { z } from 'zod';
import type { VigilConfig } from './config.ts';
import { startEmbeddedNats, type EmbeddedNats } from './embedded-nats.ts';
import { readSetupFile } from '../setup/setup-file.ts';
import { applySetupOnStart } from './setup-on-start.ts';
import { readClusterStatus } from './cluster-status.ts';
import { startAutomationEngine } from '../automations/engine/automation-engine.ts';
import { builtInActions } from '../automations/actions/action-catalog.ts';
import { DeliveryRetrier, DeliveryRetryError } from '../automations/engine/delivery-retrier.ts';
import type { Logger } from './logger.ts';
import { nodeEndpoints, type NodeEndpoints } from './endpoints.ts';
import { removeLocalNode, writeLocalNode } from './local-node.ts';
import { packageVersion } from '../cli/package-version.ts';
import { startLiveFeed } from './live-feed.ts';
import { nodeMetricSources, type MeteredParts } from './metric-sources.ts';
import { CheckHistoryMaintenance, CheckHistoryReader, CheckHistoryWriter, shardBaseOf } from '../history/index.ts';

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
  /** The cluster's shared clock as this node measures it (every deadline and `at` uses it). */
  readonly clock: ClusterClock;
  /** Judges this host's clock offset (see `vigil status`). */
  readonly clockGuard: ClockGuard;
  readonly bus: Bus;
  readonly database: Database;
  readonly relay: OutboxRelay;
  readonly http: HttpServer;
  /** The node's Prometheus registry and the observers its parts report to (served at `GET /metrics`). */
  readonly metrics: NodeMetrics;
  /** Where the node can be reached (also in the `vigil node ready` log line and, with a data folder, in `<dataDir>/node.json`). */
  readonly endpoints: NodeEndpoints;
  /** Changes satellite credentials and tells every node (rotate, remove, issue, install). */
  readonly satelliteAccess: SatelliteAccess;
  /** The live stream for browsers (`/stream/v1`) this node serves. */
  readonly liveStream: LiveStream;
  /** Finds satellites marked connected through sockets that no longer exist (see SatelliteSessionSweeper). */
  readonly satelliteSessions: SatelliteSessionSweeper;
  /**
   * The check history: `writer` stores results (the satellite gateway's, and any other source's,
   * e.g. push monitors: `writer.record(results)` resolves once committed); undefined when
   * `history.enabled` is off. `reader` summarizes roll-ups; `maintenance` keeps partitions and retention.
   */
  readonly history: { writer: CheckHistoryWriter | undefined; reader: CheckHistoryReader; queries: CheckHistoryQueries; maintenance: CheckHistoryMaintenance };
  /** Graceful stop: refuse new work, finish in-flight commands, hand partitions over, flush the outbox, close. */
  stop(): Promise<void>;
}

/**
 * Starts a node: NATS (embedded if none configured), the database (migrated), streams, the
 * cluster bucket and placement, the entity runtime with its group commit, outbox relay and
 * timer scheduler, the NATS command listener, and HTTP. `/readyz` turns ready, and the
 * "vigil node ready" line is logged, once every partition has an owner, the setup file is
 * applied and the automation engine runs.
 *
 * With the embedded database or the embedded NATS (no `DATABASE_URL` or no `NATS_URL`) the node
 * first takes the data folder's lock and holds it until it has stopped: a second process on the
 * same folder is refused with `DataFolderLockedError` before anything opens. Once ready, such a
 * node writes `<dataDir>/node.json` (see `findLocalNode`) and removes it when it stops.
 * Other start failures: `EmbeddedNatsError`, `SetupFileError`, `HttpListenError`, `PersistenceError`.
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
    // The data folder's lock before anything touches the folder; released last of all.
    const lock = !config.databaseUrl || !config.natsUrl ? DataFolderLock.acquire(config.dataDir, { nodeId: config.nodeId, command: 'vigil start' }) : undefined;
    if (lock) cleanup.push(() => lock.release());
    // NATS first: with nothing configured, a missing nats-server binary should fail fast.
    let natsUrl = config.natsUrl;
    let natsAuth: NatsAuthSettings = config.nats;
    let embedded: EmbeddedNats | undefined;
    if (!natsUrl) {
      embedded = await startEmbeddedNats(config.dataDir);
      cleanup.push(() => embedded!.stop());
      natsUrl = embedded.url;
      natsAuth = embedded.auth;
      log.info({ url: natsUrl, user: embedded.auth.user, authFile: embedded.authFile }, 'started embedded nats-server (set NATS_URL to use your own)');
    }
    const database = await Database.open({ url: config.databaseUrl, dataDir: config.dataDir, lock });
    cleanup.push(() => database.close());
    log.info({ dialect: database.dialect }, 'database open');
    if (config.migrateOnStart) {
      const applied = await database.migrate();
      if (applied.length > 0) log.info({ applied }, 'migrations applied');
    }
    // One clock for every deadline and every `at`, whatever this host's clock says: the
    // database's, measured continuously (see ClusterClock).
    const clock = new ClusterClock({ read: () => readDatabaseClock(database), log });
    await clock.start();
    cleanup.push(() => clock.stop());
    const clockGuard = new ClockGuard({ reading: () => clock.reading(), warnOffsetMs: config.clock.warnOffsetMs, maxOffsetMs: config.clock.maxOffsetMs, log });
    clockGuard.check();
    log.info({ ...clock.reading(), maxOffsetMs: config.clock.maxOffsetMs }, 'measured this host\'s clock against the database\'s');

    // Metrics before the parts that report to them; the gauges read the parts once they exist.
    const outboxStore = new OutboxStore(database);
    const metered: MeteredParts = {};
    const metrics = createNodeMetrics(nodeMetricSources(config.nodeId, outboxStore, clock, metered));

    const leases = new LeaseStore(database);
    const partitionCount = await leases.settle('partitions', config.partitions);
    if (partitionCount !== config.partitions) {
      throw new Error(`this cluster has ${String(partitionCount)} partitions but VIGIL_PARTITIONS is ${config.partitions}; every node must use the cluster's value`);
    }

    const bus = await connectBus({ servers: natsUrl, namespace: config.namespace, name: `vigil-${config.nodeId}`, auth: natsAuth, deliveries: metrics.deliveries });
    metered.bus = bus;
    cleanup.push(() => bus.close());
    log.info({ servers: redactServers(natsUrl), ...describeNatsAuth(natsAuth) }, 'connected to NATS');
    await ensureStreams(bus, { replicas: config.streamReplicas, duplicateWindowMs: config.duplicateWindowMs });
    const bucket = await ClusterBucket.open(bus, { ttlMs: config.timeouts.leaseTtlMs, replicas: config.streamReplicas });

    const partitionOfEntity = (kind: string, id: string) => partitionOf(kind, id, config.partitions);
    const store = new TransitionStore(database, config.nodeId);
    const relay = new OutboxRelay(outboxStore, bus, log, { pollMs: config.timeouts.outboxPollMs, clock: () => clock.earliest(), onPublished: metrics.outboxPublished });
    metered.relay = relay;
    let timers: TimerScheduler | undefined;
    let placement: Placement | undefined;
    const batcher = new CommitBatcher(
      store,
      (items, outbox) => {
        relay.publishCommitted(outbox);
        timers?.onCommitted(items);
      },
      () => placement!.fence(),
      undefined,
      metrics.commits,
    );
    const runtime = new EntityRuntime({
      store,
      batcher,
      passivateAfterMs: config.timeouts.passivateAfterMs,
      partitionOf: partitionOfEntity,
      isAuthoritative: (kind, id) => placement!.isFresh(partitionOfEntity(kind, id)),
      onLeaseFenced: (partition) => placement!.fenced(partition),
      // Stamps never behind the shared clock: a duration that starts at `at` is never cut short.
      clock: () => clock.latest(),
    });
    timers = new TimerScheduler(runtime, new TimerStore(database), log, {
      pollMs: config.timeouts.timerPollMs,
      ownedPartitions: () => placement!.ownedPartitions(),
      owns: (partition) => placement!.owns(partition),
      // Due only once the shared clock has certainly reached the due time: never early.
      clock: () => clock.earliest(),
    });

    const apiTokens = new ApiTokenStore(database);
    const stamp = () => clock.latest();
    await ensureAdminToken({ store: apiTokens, configured: config.adminToken, dataDir: config.dataDir, nodeId: config.nodeId, log, clock: stamp });
    // Expiry against the latest bound: a token is never accepted after it expired.
    const authenticator = new TokenAuthenticator(apiTokens, { clock: stamp });
    const listing = new EntityListing(database);
    const statusPage = new StatusPageQuery(database);
    const deliveries = new DeliveryStore(database);
    const secretValues = new Map(Object.entries(config.secrets));
    const retrier = new DeliveryRetrier({
      store: deliveries,
      actions: builtInActions,
      secret: (name) => secretValues.get(name),
      log: log.child({ component: 'automations' }),
      clock: stamp,
      observer: metrics.notifications,
      runEnded: async (runId) => {
        const run = (await runtime.get('automation_run', runId)).state as AutomationRunState | null;
        return run === null || isFinalRunStatus(run.status);
      },
    });

    // Check history: partitions of the coming days before the first result can arrive.
    const historyPartitions = new CheckHistoryPartitions(database);
    const historyQueries = new CheckHistoryQueries(database);
    const historyWriter = config.history.enabled
      ? new CheckHistoryWriter({ store: new CheckHistoryStore(database), partitions: historyPartitions, log, clock: stamp, rawRetentionMs: config.history.rawRetention, shardBase: shardBaseOf(config.nodeId), observer: metrics.history })
      : undefined;
    const historyMaintenance = new CheckHistoryMaintenance({
      partitions: historyPartitions,
      folds: new CheckHistoryFolds(database),
      log,
      clock: stamp,
      retention: { rawMs: config.history.rawRetention, hourlyMs: config.history.hourlyRetention, dailyMs: config.history.dailyRetention },
      lateMs: config.satellites.maxResultAgeMs,
      everyMs: config.history.maintenanceEvery,
      onPartitions: (days) => historyWriter?.partitionsExist(days),
    });
    await historyMaintenance.start();
    // Run after HTTP has closed (cleanup runs in reverse): results still being written are committed.
    cleanup.push(() => historyMaintenance.stop(), () => historyWriter?.stop());
    const history = { writer: historyWriter, reader: new CheckHistoryReader(historyQueries, stamp), queries: historyQueries, maintenance: historyMaintenance };

    const assignments = new AssignmentStore(database);
    const pushTokens = new PushTokenStore(database);
    const credentials = new SatelliteCredentialStore(database, stamp);
    const access = new SatelliteAccess(credentials, bus.nc, bus.subjects);
    let sweeper: SatelliteSessionSweeper | undefined;
    let ready = false;
    let router: CommandRouter | undefined;
    // Assigned once everything runs; a fatal condition found earlier aborts the start instead.
    let stop: () => Promise<void> = async () => {
      throw new Error('the node is still starting');
    };
    // One reader per stream for every browser on this node (started before HTTP: its positions exist once a browser can subscribe).
    const live = await startLiveFeed(bus, log, { ...config.liveStream, authenticator });
    cleanup.push(() => live.stop());
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
      authenticator,
      tokens: new TokenAdmin(apiTokens, authenticator, stamp),
      listEntities: (query) => listing.list(query),
      queries: { states: new StateQueries(database), systems: new SystemQueries(database) },
      deliveries: {
        store: deliveries,
        retry: async (id, madeBy) => {
          try {
            return (await retrier.retry(id, madeBy)).delivery;
          } catch (error) {
            if (error instanceof DeliveryRetryError) throw new HttpRequestError(error.code, error.message);
            throw error;
          }
        },
      },
      history: { reader: history.reader, queries: historyQueries, clock: stamp },
      version: packageVersion(),
      clusterStatus: () => readClusterStatus(database, bus, config),
      statusPage: { ...config.statusPage, read: (input) => statusPage.read(input), clock: stamp },
      // Changes go through SatelliteAccess, which closes the satellite's sessions on every node.
      satelliteCredentials: { issue: (id) => access.issue(id), install: (id, secret) => access.install(id, secret), remove: (id) => access.remove(id), has: (id) => credentials.has(id), list: () => credentials.list() },
      log,
      clock: stamp,
      liveStream: live.stream,
      satellites: {
        announce: (satelliteId, session) => bus.nc.publish(bus.subjects.satelliteSession(satelliteId), JSON.stringify({ node: config.nodeId, ...session })),
        credentials,
        assignments: async (satelliteId) => (await assignments.assignmentsFor(satelliteId)) as Assignment[],
        resultTimeLimits: { maxClockAheadMs: config.satellites.maxClockAheadMs, maxAgeMs: config.satellites.maxResultAgeMs },
        credentialRecheckMs: config.satellites.credentialRecheckMs,
        // `executedAt` (the satellite's clock) is judged against the shared clock, within its own bounds.
        clock: stamp,
        traffic: metrics.satellites,
        ...(historyWriter ? { history: historyWriter } : {}),
      },
      observer: metrics.http,
      push: { tokens: pushTokens },
      metrics: { scrape: () => metrics.scrape(), allow: new AddressAllowList(config.metrics.allow) },
      readiness: [
        { name: 'node', check: () => ready },
        { name: 'database', check: () => database.isReachable() },
        { name: 'nats', check: () => bus.isConnected() },
        { name: 'placement', check: () => placement?.coverage() === config.partitions },
      ],
    });
    cleanup.push(() => http.close());
    metered.http = http;

    placement = new Placement({
      nodeId: config.nodeId,
      httpPort: http.port,
      partitionCount: config.partitions,
      leaseTtlMs: config.timeouts.leaseTtlMs,
      bucket,
      leases,
      log,
      isConnected: () => bus.isConnected(),
      // Lease and heartbeat ages are local durations: a step of the host's wall clock must not move them.
      clock: monotonicNow,
      standby: () => clockGuard.check(),
      clockReport: () => clockGuard.report(),
      onLeaseRenewal: metrics.leaseRenewed,
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
    metered.placement = placement;
    router = new CommandRouter(runtime, placement, bus, config.nodeId, config.timeouts.commandMs, clock);
    const commands = new CommandListener(bus, runtime, router, placement, config.nodeId, log, config.timeouts.commandMs, authenticator, clock, metrics.commands);

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
    if (setup) await applySetupOnStart(setup, { runtime, router, access, credentials, log, nodeId: config.nodeId });
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
      clock,
      deliveryObserver: metrics.notifications,
    });
    // Pings and missed deadlines committed to push checks become health results (once per cluster).
    const pushResults = await startPushResultReactor({
      bus,
      dispatch: (kind, id, event, options) => router!.dispatch(kind, id, event, options),
      tokens: pushTokens,
      actor: `node:${config.nodeId}`,
      log,
      // A push result is stored in the check history like a satellite's (no latency: nothing ran).
      ...(historyWriter
        ? {
            writer: {
              record: async (results) => {
                await historyWriter.record(results.map(({ message, ...result }) => ({ ...result, latencyMs: null, ...(message ? { measured: { message: message.slice(0, 500) } } : {}) })));
              },
            },
          }
        : {}),
    });
    // Ready only once everything runs: a supervisor (or test) that acts on "ready" finds the
    // node whole, and a stop requested from then on finds every part started.
    ready = true;
    const endpoints = nodeEndpoints({
      nodeId: config.nodeId,
      httpHost: config.http.host,
      httpPort: http.port,
      natsUrl,
      dataDir: config.dataDir,
      embeddedDatabase: !config.databaseUrl,
      embeddedNats: embedded !== undefined,
    });
    if (lock) writeLocalNode(endpoints, new Date());
    log.info(
      {
        port: http.port,
        nodeId: config.nodeId,
        namespace: config.namespace,
        partitions: placement.ownedPartitions().length,
        httpUrl: endpoints.httpUrl,
        natsUrl: endpoints.natsUrl,
        dataDir: lock ? endpoints.dataDir : undefined,
        node: process.version,
        uWebSockets: `${uwsBuild.package}@${uwsBuild.version} ${uwsBuild.binary}`,
      },
      'vigil node ready',
    );

    let stopping: Promise<void> | undefined;
    stop = () =>
      (stopping ??= (async () => {
        ready = false;
        if (lock) removeLocalNode(config.dataDir);
        log.info('stopping: handing partitions over');
        // Partitions first: each is drained (its queued events committed) and released, so the
        // next owner takes it at once instead of after the lease time.
        await automations.stop();
        await pushResults.stop();
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
    return { config, runtime, router, placement, clock, clockGuard, bus, database, relay, http, metrics, endpoints, satelliteAccess: access, satelliteSessions: sweeper, liveStream: live.stream, history, stop };
  } catch (error) {
    for (const step of cleanup.reverse()) await Promise.resolve(step()).catch(() => undefined);
    throw error;
  }
}
