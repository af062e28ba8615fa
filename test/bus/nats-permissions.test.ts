import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusError, connectBus, natsConnectionOptions, renderNatsAccounts, Secret, subjectsFor, vigilNatsUsers, type VigilNatsUser } from '../../bus/index.ts';
import { loadConfig, readClusterStatus, startNode, type VigilConfig, type VigilNode } from '../../node/index.ts';
import { commandHeaders, createTestDatabase, uniqueName } from '../support/isolation.ts';
import { NatsProcess } from '../support/nats-process.ts';
import { waitForBalance } from '../support/cluster.ts';
import { testNodeEnvironment } from '../support/test-node.ts';

/**
 * Vigil's three NATS users (bus/nats-accounts-config.ts, the same template as
 * deploy/nats-accounts.conf) on a nats-server of this file's own: the nodes work under theirs
 * without a single permission violation; the reader and the command sender can do what they are
 * for and nothing of what they are not.
 */
const namespace = uniqueName('t');
const subjects = subjectsFor(namespace);
const users = Object.fromEntries(vigilNatsUsers({ namespace }).map((user) => [user.role, user])) as Record<VigilNatsUser['role'], VigilNatsUser>;
const passwords = { nodes: hex(), reader: hex(), commands: hex() };
const nats = new NatsProcess({
  config: renderNatsAccounts({ namespace }),
  env: { NATS_NODES_PASSWORD: passwords.nodes, NATS_READER_PASSWORD: passwords.reader, NATS_COMMANDS_PASSWORD: passwords.commands },
});
const nodes: VigilNode[] = [];
let nodeLog = '';
let drop: () => Promise<void> = async () => undefined;
let databaseUrl = '';

/** A password nats-server reads as a string from its environment (a leading digit could make it a number). */
function hex(): string {
  return `p${randomBytes(24).toString('hex')}`;
}

function nodeConfig(nodeId: string): VigilConfig {
  return loadConfig(
    testNodeEnvironment({
      databaseUrl,
      namespace,
      natsUrl: nats.url,
      nodeId,
      env: { NATS_USER: users.nodes.user, NATS_PASSWORD: passwords.nodes, VIGIL_PARTITIONS: '8', VIGIL_LOG_LEVEL: 'debug' },
    }),
    undefined,
  );
}

function commandsConfig(password = passwords.commands): VigilConfig {
  return loadConfig(
    { NATS_URL: nats.url, VIGIL_NAMESPACE: namespace, NATS_USER: users.commands.user, NATS_PASSWORD: password, NATS_INBOX_PREFIX: users.commands.inboxPrefix },
    undefined,
  );
}

function connectAs(role: 'reader' | 'commands'): Promise<NatsConnection> {
  const user = users[role];
  return connect({ servers: nats.url, ...natsConnectionOptions({ user: user.user, password: new Secret(passwords[role]), inboxPrefix: user.inboxPrefix }) });
}

/** Resolves with the error a subscription was closed with (the server refused it). */
async function refusedSubscription(nc: NatsConnection, subject: string): Promise<string> {
  const subscription = nc.subscribe(subject);
  const closed = await subscription.closed;
  return String((closed as Error | undefined)?.message);
}

/** Resolves with the error of a request the server refused to let through. */
async function refusedRequest(nc: NatsConnection, subject: string, body = '{}'): Promise<string> {
  return nc.request(subject, body, { timeout: 5_000 }).then(
    () => 'answered',
    (error: Error) => error.message,
  );
}

function violationsOf(user: string): string[] {
  return nats.log.split('\n').filter((line) => line.includes('Violation') && line.includes(`User "${user}"`));
}

beforeAll(async () => {
  const database = await createTestDatabase();
  databaseUrl = database.url;
  drop = database.drop;
  await nats.start();
  const collect = new Writable({
    write(chunk: Buffer, _encoding, done) {
      nodeLog += chunk.toString();
      done();
    },
  });
  for (const nodeId of ['perm-a', 'perm-b']) {
    const config = nodeConfig(nodeId);
    nodes.push(await startNode(config, pino({ level: config.logLevel, base: { node: nodeId } }, collect)));
  }
  // Both nodes own partitions, so commands are forwarded between them on <ns>.node.<id>.cmd.
  while (!nodes.every((node) => node.placement.ownedPartitions().length > 0)) await nodes[1]!.placement.changed(200);
});

afterAll(async () => {
  for (const node of nodes.reverse()) await node.stop().catch(() => undefined);
  await nats.destroy();
  await drop();
});

describe("the nodes' user", () => {
  it('runs two nodes that take commands (also forwarded between them) and serve vigil status', async () => {
    const commands = commandsConfig();
    const cli = await connect({ servers: nats.url, ...natsConnectionOptions(commands.nats) });
    try {
      const reply = await cli.request(subjects.command('system', 'sys-cli'), JSON.stringify({ type: 'create', name: 'From the commands user' }), { timeout: 10_000, headers: commandHeaders() });
      expect(reply.json()).toMatchObject({ ok: true, change: { kind: 'system', id: 'sys-cli', version: 1, cause: { actor: 'token:admin' } } });
    } finally {
      await cli.close();
    }
    const [a, b] = nodes as [VigilNode, VigilNode];
    const ownedByB = Array.from({ length: 200 }, (_, index) => `sys-fwd-${index}`).find((id) => b.placement.owns(a.runtime.partitionOf('system', id)));
    expect(ownedByB).toBeDefined();
    const forwardedBefore = a.router.stats.forwarded;
    expect(await a.router.dispatch('system', ownedByB!, { type: 'create', name: 'Forwarded' })).toMatchObject({ version: 1 });
    expect(a.router.stats.forwarded).toBe(forwardedBefore + 1);

    // What `GET /cluster/status` reads, through a node's own connection (the nodes' user), once the
    // second node's share of partitions has finished moving to it.
    await waitForBalance(databaseUrl, ['perm-a', 'perm-b'], 8);
    const status = await readClusterStatus(a.database, a.bus, a.config);
    expect(status.nodes.map((node) => node.nodeId)).toEqual(['perm-a', 'perm-b']);
    expect(status.unownedPartitions).toEqual([]);
    expect(status.consumers.map((consumer) => consumer.name)).toContain(subjects.durable('automation-router'));
  });

  it('logs how it authenticated, never the password', () => {
    expect(nodeLog).toContain('"msg":"connected to NATS"');
    expect(nodeLog).toContain(`"auth":"user","user":"${users.nodes.user}"`);
    expect(nodeLog).not.toContain(passwords.nodes);
    expect(JSON.stringify(nodes[0]!.config)).not.toContain(passwords.nodes);
  });
});

describe('the read-only subscriber', () => {
  let reader: NatsConnection;
  beforeAll(async () => {
    reader = await connectAs('reader');
  });
  afterAll(() => reader.close());

  it('receives entity changes on a core subscription', async () => {
    const subscription = reader.subscribe(subjects.entityFilter('system'));
    await reader.flush();
    await nodes[0]!.router.dispatch('system', 'sys-watched', { type: 'create', name: 'Watched' });
    for await (const message of subscription) {
      const change = message.json<{ id: string; version: number }>();
      if (change.id !== 'sys-watched') continue;
      expect(change.version).toBe(1);
      break;
    }
  });

  it('reads and acknowledges from a durable an operator made for it, and creates none itself', async () => {
    const durable = `${namespace}-reader`;
    await nodes[0]!.bus.jsm.consumers.add(subjects.streams.entity, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: subjects.entity('system', 'sys-cli'),
    });
    const consumer = await jetstream(reader).consumers.get(subjects.streams.entity, durable);
    const message = await consumer.next({ expires: 5_000 });
    expect(message?.json()).toMatchObject({ kind: 'system', id: 'sys-cli', version: 1 });
    expect(await message!.ackAck()).toBe(true);

    const jsm = await jetstreamManager(reader);
    await expect(jsm.consumers.add(subjects.streams.entity, { durable_name: `${namespace}-mine`, ack_policy: AckPolicy.Explicit })).rejects.toThrow(/Permissions Violation/);
    await expect(jsm.streams.delete(subjects.streams.entity)).rejects.toThrow(/Permissions Violation/);
    // Vigil's own work-queue consumers are not the reader's to pull from (or to look at).
    const router = subjects.durable('automation-router');
    expect(await refusedRequest(reader, `$JS.API.CONSUMER.MSG.NEXT.${subjects.streams.trigger}.${router}`, '{"batch":1}')).toMatch(/Permissions Violation for Publish/);
    await expect(jetstream(reader).consumers.get(subjects.streams.trigger, router)).rejects.toThrow(/Permissions Violation/);
  });

  it('cannot publish commands, node commands or changes, nor read other inboxes', async () => {
    for (const subject of [subjects.command('system', 'sys-forged'), subjects.nodeCommand('perm-a', 'system', 'sys-forged'), subjects.entity('system', 'sys-forged')]) {
      expect(await refusedRequest(reader, subject, '{"type":"create","name":"Forged"}'), subject).toBe(`Permissions Violation for Publish to "${subject}"`);
    }
    expect(await nodes[0]!.runtime.get('system', 'sys-forged')).toMatchObject({ version: 0, state: null });
    expect(await refusedSubscription(reader, '_INBOX.>')).toContain('Permissions Violation for Subscription');
    expect(await refusedSubscription(reader, subjects.commandFilter())).toContain('Permissions Violation for Subscription');
  });
});

describe('the command sender', () => {
  let commands: NatsConnection;
  beforeAll(async () => {
    commands = await connectAs('commands');
  });
  afterAll(() => commands.close());

  it('gets a reply to a command on <ns>.cmd.<kind>.<id>', async () => {
    const reply = await commands.request(subjects.command('group', 'grp-1'), JSON.stringify({ type: 'create', name: 'Payments' }), { timeout: 10_000, headers: commandHeaders() });
    expect(reply.json()).toMatchObject({ ok: true, change: { kind: 'group', id: 'grp-1', version: 1 } });
    // The NATS user lets it publish; the API token in the request decides what the command may do.
    const anonymous = await commands.request(subjects.command('group', 'grp-2'), JSON.stringify({ type: 'create', name: 'Anonymous' }), { timeout: 10_000 });
    expect(anonymous.json()).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
  });

  it('cannot subscribe to changes or other inboxes, nor publish node commands, changes or JetStream requests', async () => {
    expect(await refusedSubscription(commands, subjects.entityFilter())).toContain('Permissions Violation for Subscription');
    expect(await refusedSubscription(commands, '_INBOX.>')).toContain('Permissions Violation for Subscription');
    for (const subject of [subjects.nodeCommand('perm-a', 'system', 'sys-forged'), subjects.entity('system', 'sys-forged'), `$JS.API.STREAM.INFO.${subjects.streams.entity}`]) {
      expect(await refusedRequest(commands, subject, '{"type":"create","name":"Forged"}'), subject).toBe(`Permissions Violation for Publish to "${subject}"`);
    }
    expect(await nodes[0]!.runtime.get('system', 'sys-forged')).toMatchObject({ version: 0, state: null });
  });
});

describe('authentication', () => {
  it('refuses a wrong password and an anonymous connection, without echoing the password', async () => {
    const wrong = `wrong-${hex()}`;
    const refused = await connectBus({ servers: nats.url, namespace, name: 'wrong-password', auth: { user: users.nodes.user, password: new Secret(wrong) } }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(BusError);
    expect((refused as BusError).code).toBe('BUS_UNAVAILABLE');
    expect((refused as BusError).message).toContain('Authorization Violation');
    expect((refused as BusError).message).not.toContain(wrong);
    await expect(connect({ servers: nats.url, ...natsConnectionOptions(commandsConfig(wrong).nats) })).rejects.toThrow(/Authorization Violation/);
    await expect(connect({ servers: nats.url })).rejects.toThrow(/Authorization Violation/);
  });
});

describe("the nodes' user, once more", () => {
  it('stops a node gracefully, and the nodes never met a permission violation', async () => {
    await nodes.pop()!.stop();
    expect(violationsOf(users.nodes.user)).toEqual([]);
    // The other users' refusals above were real refusals by the server.
    expect(violationsOf(users.reader.user).length).toBeGreaterThan(0);
    expect(violationsOf(users.commands.user).length).toBeGreaterThan(0);
  });
});
