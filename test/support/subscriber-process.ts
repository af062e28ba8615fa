import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { connectBus } from '../../bus/index.ts';
import { fileURLToPath } from 'node:url';
import { NATS_URL } from './isolation.ts';

const script = fileURLToPath(new URL('./work-queue-subscriber.ts', import.meta.url));

/**
 * Starts `work-queue-subscriber.ts` as its own process in work-queue group `group`; resolves
 * once it is subscribed. `env` adds settings such as `IDEMPOTENT` and `ACK_WAIT_MS`.
 */
export function startSubscriber(options: { name: string; group: string; databaseUrl: string; namespace: string; env?: Record<string, string> }): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      NATS_URL,
      NAMESPACE: options.namespace,
      GROUP: options.group,
      SUBSCRIBER: options.name,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('subscribed') && resolve(child));
    child.once('exit', (code) => reject(new Error(`subscriber ${options.name} exited with ${code}`)));
  });
}

/** Where committed changes that are missing from a subscriber's `ledger` are: for failure messages. */
export async function describeBacklog(db: pg.Client, namespace: string, group: string): Promise<Record<string, unknown>> {
  const count = async (sql: string) => Number((await db.query(sql)).rows[0].n);
  const missing = await db.query(
    `select t.kind, t.id, t.version, t.committed_by from entity_transitions t
       left join ledger l on l.kind = t.kind and l.id = t.id and l.version = t.version
      where l.version is null order by t.committed_at limit 5`,
  );
  const bus = await connectBus({ servers: NATS_URL, namespace, name: 'backlog-probe' });
  try {
    const consumer = await bus.jsm.consumers.info(bus.subjects.streams.entity, bus.subjects.durable(group));
    return {
      committed: await count('select count(*)::int as n from entity_transitions'),
      effects: await count('select count(*)::int as n from ledger'),
      deliveries: await count('select count(*)::int as n from deliveries'),
      outbox: await count('select count(*)::int as n from outbox'),
      consumer: { pending: consumer.num_pending, ackPending: consumer.num_ack_pending, redelivered: consumer.num_redelivered, delivered: consumer.delivered, ackFloor: consumer.ack_floor, waiting: consumer.num_waiting },
      missing: missing.rows,
    };
  } finally {
    await bus.close();
  }
}
