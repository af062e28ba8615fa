import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { commandReplySchema, SatelliteAccess } from '../actors/index.ts';
import { subjectsFor } from '../bus/index.ts';
import type { EntityChange } from '../machines/index.ts';
import type { VigilConfig } from '../node/index.ts';
import type { Database, SatelliteCredentialStore } from '../persistence/index.ts';

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

  static async connect(config: VigilConfig): Promise<ClusterClient> {
    if (!config.natsUrl) throw new Error('NATS_URL is needed to reach the cluster');
    return new ClusterClient(await connect({ servers: config.natsUrl.split(','), name: 'vigil-cli' }), config);
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

  /** Satellite credential changes, announced to the nodes over this connection. */
  satelliteAccess(credentials: SatelliteCredentialStore): SatelliteAccess {
    return new SatelliteAccess(credentials, this.nc, subjectsFor(this.config.namespace));
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
