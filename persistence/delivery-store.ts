import type { Database } from './database.ts';
import type { NotificationDeliveryAttemptRow, NotificationDeliveryRow } from './entities/index.ts';

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';
export type DeliveryAttemptStatus = 'sending' | 'delivered' | 'failed' | 'dead';

export type DeliveryRecord = NotificationDeliveryRow & { status: DeliveryStatus };
export type DeliveryAttemptRecord = NotificationDeliveryAttemptRow & { status: DeliveryAttemptStatus };

/** What a delivery is created with. */
export type NewDelivery = Pick<DeliveryRecord, 'id' | 'runId' | 'automationId' | 'stepPath' | 'action' | 'target' | 'maxAttempts' | 'request'>;

/** How an attempt ended, and the delivery's state after it. */
export interface AttemptOutcome {
  status: Exclude<DeliveryAttemptStatus, 'sending'>;
  responseCode: number | null;
  error: string | null;
  durationMs: number;
  /** The delivery's status after this attempt, and when the next attempt is due (pending only). */
  delivery: { status: DeliveryStatus; nextAttemptAt: number | null };
}

export interface DeliveryQuery {
  statuses?: readonly DeliveryStatus[];
  runId?: string;
  automationId?: string;
  /** `[createdAt, id]` of the last row of the previous page (newest first). */
  after?: readonly [number, string];
  limit: number;
}

const DELIVERY_COLUMNS =
  'id, run_id, automation_id, step_path, action, target, status, attempts, max_attempts, next_attempt_at, lease_until, last_error, last_response_code, request, created_at, updated_at';
const ATTEMPT_COLUMNS = 'delivery_id, attempt, status, response_code, error, duration_ms, at, made_by';

/**
 * The delivery log of notification steps (tables `notification_deliveries` and
 * `notification_delivery_attempts`). An attempt is claimed before it is made and finished after,
 * each in one statement, so two nodes never make the same attempt, a node that dies mid-attempt
 * leaves a `sending` attempt whose lease runs out, and every attempt made is in the log.
 */
export class DeliveryStore {
  constructor(private readonly db: Database) {}

  /** Creates the delivery (status `pending`, no attempt yet) unless it exists; resolves the stored one either way. */
  async open(delivery: NewDelivery, now: number): Promise<DeliveryRecord> {
    const [inserted] = await this.db.query<Record<string, unknown>>(
      `insert into notification_deliveries (${DELIVERY_COLUMNS}) values (?, ?, ?, ?, ?, ?, 'pending', 0, ?, null, null, null, null, ?::jsonb, ?, ?)
       on conflict (id) do nothing returning ${DELIVERY_COLUMNS}`,
      [delivery.id, delivery.runId, delivery.automationId, delivery.stepPath, delivery.action, delivery.target, delivery.maxAttempts, JSON.stringify(delivery.request), now, now],
    );
    if (inserted) return toDelivery(inserted);
    const existing = await this.find(delivery.id);
    if (!existing) throw new Error(`delivery ${delivery.id} vanished while it was opened`);
    return existing;
  }

  async find(id: string): Promise<DeliveryRecord | null> {
    const [row] = await this.db.query<Record<string, unknown>>(`select ${DELIVERY_COLUMNS} from notification_deliveries where id = ?`, [id]);
    return row ? toDelivery(row) : null;
  }

  /**
   * Claims attempt `attempts + 1` of the delivery: only when it is in `status`, has made exactly
   * `attempts` attempts and no attempt holds a lease at `now`. Records the attempt as `sending`
   * (by `madeBy`) with a lease until `leaseUntil`. Resolves the attempt's number, or null when the
   * delivery is not in that state any more (another node or request claimed it first).
   */
  async claimAttempt(claim: { id: string; status: DeliveryStatus; attempts: number; now: number; leaseUntil: number; madeBy: string }): Promise<number | null> {
    const [row] = await this.db.query<{ attempt: number }>(
      `with claimed as (
         update notification_deliveries set attempts = attempts + 1, lease_until = ?, updated_at = ?
          where id = ? and status = ? and attempts = ? and (lease_until is null or lease_until < ?)
          returning id, attempts
       )
       insert into notification_delivery_attempts (${ATTEMPT_COLUMNS})
       select id, attempts, 'sending', null, null, null, ?, ? from claimed returning attempt`,
      [claim.leaseUntil, claim.now, claim.id, claim.status, claim.attempts, claim.now, claim.now, claim.madeBy],
    );
    return row ? Number(row.attempt) : null;
  }

  /**
   * Records how attempt `attempt` ended and the delivery's new state, in one statement. Resolves
   * false (changing nothing) when the attempt is no longer `sending`: its lease ran out and it was
   * written off (`abandonAttempt`) before this outcome arrived.
   */
  async finishAttempt(id: string, attempt: number, outcome: AttemptOutcome, now: number): Promise<boolean> {
    const rows = await this.db.query(
      `with finished as (
         update notification_delivery_attempts set status = ?, response_code = ?, error = ?, duration_ms = ?
          where delivery_id = ? and attempt = ? and status = 'sending' returning delivery_id
       )
       update notification_deliveries set status = ?, next_attempt_at = ?, lease_until = null, last_error = ?, last_response_code = ?, updated_at = ?
        where id in (select delivery_id from finished) returning id`,
      [outcome.status, outcome.responseCode, outcome.error, outcome.durationMs, id, attempt, outcome.delivery.status, outcome.delivery.nextAttemptAt, outcome.error, outcome.responseCode, now],
    );
    return rows.length > 0;
  }

  /**
   * Writes off an attempt left `sending` by a node that stopped during it (its lease is over):
   * the attempt becomes `failed` (or `dead` with the delivery when `dead`) with `error`.
   * Resolves false when it was finished or written off already.
   */
  async abandonAttempt(id: string, attempt: number, error: string, dead: boolean, now: number): Promise<boolean> {
    const rows = await this.db.query(
      `with abandoned as (
         update notification_delivery_attempts a set status = ?, error = ?
           from notification_deliveries d
          where a.delivery_id = ? and a.attempt = ? and a.status = 'sending' and d.id = a.delivery_id and (d.lease_until is null or d.lease_until < ?)
          returning a.delivery_id
       )
       update notification_deliveries set status = case when ? then 'dead' else status end, lease_until = null, next_attempt_at = null, last_error = ?, updated_at = ?
        where id in (select delivery_id from abandoned) returning id`,
      [dead ? 'dead' : 'failed', error, id, attempt, now, dead, error, now],
    );
    return rows.length > 0;
  }

  /**
   * The run `runId` ended: its deliveries still `pending` with no attempt in flight will not be
   * attempted again by it (it was cancelled, or stopped while one waited for its next attempt).
   * They become `dead` with `reason`, so an operator sees and can retry them. Resolves their ids.
   */
  async settleRun(runId: string, reason: string, now: number): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(
      `update notification_deliveries set status = 'dead', next_attempt_at = null, last_error = ?, updated_at = ?
        where run_id = ? and status = 'pending' and (lease_until is null or lease_until < ?) returning id`,
      [reason, now, runId, now],
    );
    return rows.map((row) => String(row.id));
  }

  /** The attempt `attempt` of a delivery, or null. */
  async attempt(id: string, attempt: number): Promise<DeliveryAttemptRecord | null> {
    const [row] = await this.db.query<Record<string, unknown>>(`select ${ATTEMPT_COLUMNS} from notification_delivery_attempts where delivery_id = ? and attempt = ?`, [id, attempt]);
    return row ? toAttempt(row) : null;
  }

  /** Deliveries matching `query`, newest first (created at, then id); `more` when another page follows. */
  async page(query: DeliveryQuery): Promise<{ rows: DeliveryRecord[]; more: boolean }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.statuses && query.statuses.length > 0) {
      where.push(`status in (${query.statuses.map(() => '?').join(', ')})`);
      params.push(...query.statuses);
    }
    if (query.runId !== undefined) {
      where.push('run_id = ?');
      params.push(query.runId);
    }
    if (query.automationId !== undefined) {
      where.push('automation_id = ?');
      params.push(query.automationId);
    }
    if (query.after) {
      where.push('(created_at, id) < (?, ?)');
      params.push(...query.after);
    }
    const rows = await this.db.query<Record<string, unknown>>(
      `select ${DELIVERY_COLUMNS} from notification_deliveries ${where.length > 0 ? `where ${where.join(' and ')}` : ''} order by created_at desc, id desc limit ?`,
      [...params, query.limit + 1],
    );
    return { rows: rows.slice(0, query.limit).map(toDelivery), more: rows.length > query.limit };
  }

  /** The attempts of these deliveries, by delivery id, in attempt order. */
  async attemptsOf(ids: readonly string[]): Promise<Map<string, DeliveryAttemptRecord[]>> {
    const byDelivery = new Map<string, DeliveryAttemptRecord[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return byDelivery;
    const rows = await this.db.query<Record<string, unknown>>(
      `select ${ATTEMPT_COLUMNS} from notification_delivery_attempts where delivery_id in (${ids.map(() => '?').join(', ')}) order by delivery_id, attempt`,
      [...ids],
    );
    for (const row of rows) byDelivery.get(String(row.delivery_id))?.push(toAttempt(row));
    return byDelivery;
  }
}

const numberOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

function toDelivery(row: Record<string, unknown>): DeliveryRecord {
  return {
    id: String(row.id),
    runId: String(row.run_id),
    automationId: String(row.automation_id),
    stepPath: String(row.step_path),
    action: String(row.action),
    target: String(row.target),
    status: String(row.status) as DeliveryStatus,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    nextAttemptAt: numberOrNull(row.next_attempt_at),
    leaseUntil: numberOrNull(row.lease_until),
    lastError: row.last_error === null || row.last_error === undefined ? null : String(row.last_error),
    lastResponseCode: numberOrNull(row.last_response_code),
    request: row.request as Record<string, unknown>,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toAttempt(row: Record<string, unknown>): DeliveryAttemptRecord {
  return {
    deliveryId: String(row.delivery_id),
    attempt: Number(row.attempt),
    status: String(row.status) as DeliveryAttemptStatus,
    responseCode: numberOrNull(row.response_code),
    error: row.error === null || row.error === undefined ? null : String(row.error),
    durationMs: numberOrNull(row.duration_ms),
    at: Number(row.at),
    madeBy: String(row.made_by),
  };
}
