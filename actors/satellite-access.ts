import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import type { Subjects } from '../bus/index.ts';
import type { SatelliteCredentialStore } from '../persistence/index.ts';
import { SatelliteAccessError } from './errors.ts';

/**
 * What `<ns>.satellite.<id>.credential` carries: the satellite's credential generation now, or
 * null when it has none (removed). Sessions that authenticated with a smaller generation (or any,
 * for null) are closed with 4401 on every node.
 */
export const satelliteCredentialNoticeSchema = z.object({
  satelliteId: z.string().min(1).max(128),
  generation: z.number().int().positive().nullable(),
});
export type SatelliteCredentialNotice = z.infer<typeof satelliteCredentialNoticeSchema>;

/** How long an announcement waits for NATS to confirm it, ms. */
const FLUSH_TIMEOUT_MS = 5_000;

/** The part of a NATS connection the announcement needs (a `NatsConnection` fits). */
export type NoticePublisher = Pick<NatsConnection, 'publish' | 'flush'>;

/** How a credential change was announced: false when NATS was unreachable (nodes then find out by their periodic check). */
export interface Announced {
  announced: boolean;
}

/**
 * The one place that changes satellite credentials: every change (issue, rotation, install of a
 * provisioned token, removal) is committed to PostgreSQL first and then announced on
 * `<ns>.satellite.<id>.credential`, so every node closes, at once, the live sessions that
 * authenticated with the previous credential. The announcement is core NATS (fire and forget): if
 * it is lost, each node's periodic re-check of its sessions' credential generations
 * (`VIGIL_SATELLITE_CREDENTIAL_RECHECK_MS`) closes them within that time. Used by the node's
 * satellite token routes (`/satellites/<id>/token`, which the CLI calls) and its setup file.
 *
 * Removing the satellite *entity* (the `remove` event) is the caller's second step; do it after
 * `remove` here, so no new connection can authenticate meanwhile.
 */
export class SatelliteAccess {
  constructor(
    private readonly credentials: SatelliteCredentialStore,
    private readonly publisher: NoticePublisher,
    private readonly subjects: Subjects,
  ) {}

  /** Gives the satellite a new token (replacing any); resolves the token, shown only now. */
  async issue(satelliteId: string): Promise<{ token: string; generation: number } & Announced> {
    const issued = await this.credentials.issue(satelliteId);
    return { ...issued, announced: await this.announce({ satelliteId, generation: issued.generation }) };
  }

  /** Replaces an existing satellite's token; rejects with `SatelliteAccessError` NO_SATELLITE when it has none. */
  async rotate(satelliteId: string): Promise<{ token: string; generation: number } & Announced> {
    if (!(await this.credentials.has(satelliteId))) throw SatelliteAccessError.noSatellite(satelliteId);
    return this.issue(satelliteId);
  }

  /**
   * Makes `secret` the satellite's credential (a token provisioned elsewhere). Resolves
   * `changed: false`, announcing nothing, when it already is.
   */
  async install(satelliteId: string, secret: string): Promise<{ changed: boolean } & Announced> {
    const generation = await this.credentials.install(satelliteId, secret);
    if (generation === null) return { changed: false, announced: false };
    return { changed: true, announced: await this.announce({ satelliteId, generation }) };
  }

  /**
   * Deletes the satellite's credential and closes its sessions everywhere. Announces even when
   * there was no credential (a retry after a lost announcement); `removed` says whether there was.
   */
  async remove(satelliteId: string): Promise<{ removed: boolean } & Announced> {
    const removed = await this.credentials.remove(satelliteId);
    return { removed, announced: await this.announce({ satelliteId, generation: null }) };
  }

  private async announce(notice: SatelliteCredentialNotice): Promise<boolean> {
    try {
      this.publisher.publish(this.subjects.satelliteCredential(notice.satelliteId), JSON.stringify(notice));
      // Flushed: a CLI that exits right after must not take the notice with it. While NATS is
      // away a flush waits for the reconnect: give up after a while (the re-check catches up).
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), FLUSH_TIMEOUT_MS)));
      try {
        return await Promise.race([this.publisher.flush().then(() => true), gaveUp]);
      } finally {
        clearTimeout(timer);
      }
    } catch {
      return false;
    }
  }
}
