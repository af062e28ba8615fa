import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { commandReplySchema } from '../actors/index.ts';
import { natsConnectionOptions, redactServers, subjectsFor } from '../bus/index.ts';
import type { EntityChange } from '../machines/index.ts';
import type { VigilConfig } from '../node/index.ts';
import type { Database } from '../persistence/index.ts';

/** A command the cluster refused, with its error code (docs/PROTOCOL.md, "Error codes"). */
export class CommandRefusedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'CommandRefusedError';
  }
}

/**
 * How the CLI talks to a running cluster: commands as NATS requests on `<ns>.cmd.<kind>.<id>`
 * (routed, stored and emitted like any other), reads straight from PostgreSQL.
 */
export class ClusterClient {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly config: VigilConfig,
  ) {}

  /**
   * Connects as the configured NATS user (`config.nats`: the commands user is enough, with its
   * inbox prefix). Rejects when NATS_URL is unset or NATS refuses the connection (the message
   * names the servers with any credentials in the URL masked).
   */
  static async connect(config: VigilConfig): Promise<ClusterClient> {
    if (!config.natsUrl) throw new Error('NATS_URL is needed to reach the cluster');
    const servers = config.natsUrl.split(',').map((server) => server.trim());
    try {
      return new ClusterClient(await connect({ servers, name: 'vigil-cli', ...natsConnectionOptions(config.nats) }), config);
    } catch (error) {
      throw new Error(`cannot connect to NATS at ${redactServers(config.natsUrl)}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Resolves with the committed change, or null when the event changed nothing. */
  async send(kind: string, id: string, event: Record<string, unknown>): Promise<EntityChange | null> {
    const h = headers();
    h.set('Vigil-Actor', 'cli');
    const message = await this.nc.request(subjectsFor(this.config.namespace).command(kind, id), JSON.stringify(event), { timeout: this.config.timeouts.commandMs, headers: h });
    const reply = commandReplySchema.parse(message.json());
    if (!reply.ok) throw new CommandRefusedError(reply.error.code, reply.error.message);
    return reply.change as EntityChange | null;
  }

  async close(): Promise<void> {
    await this.nc.close();
  }
}

/** An entity's stored reactive state (null: never created, or deleted), read from PostgreSQL. */
export async function readEntityState(database: Database, kind: string, id: string): Promise<Record<string, unknown> | null> {
  const [row] = await database.query<{ state: Record<string, unknown> | null }>('select state from entity_state where kind = ? and id = ?', [kind, id]);
  return row?.state ?? null;
}
