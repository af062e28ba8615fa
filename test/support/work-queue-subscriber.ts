/**
 * A separate subscriber process for work-queue tests: joins work-queue group `$GROUP` on the
 * entity stream of `$NAMESPACE` and records every handled change in the `ledger` table of
 * `$DATABASE_URL` (no unique key, so a duplicate delivery shows up as a duplicate row). With
 * `$IDEMPOTENT` set it behaves like a real handler instead: every delivery is counted in
 * `deliveries`, and the effect (a `ledger` row, unique by kind, id, version) happens once.
 */
import pg from 'pg';
import { onEntityChanged } from '../../actors/index.ts';
import { connectBus } from '../../bus/index.ts';

const { DATABASE_URL, NATS_URL, NAMESPACE, GROUP, SUBSCRIBER } = process.env;
const database = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
const bus = await connectBus({ servers: NATS_URL!, namespace: NAMESPACE!, name: `subscriber-${SUBSCRIBER}` });
const subscription = await onEntityChanged(bus, {
  delivery: { mode: 'work-queue', group: GROUP! },
  ackWaitMs: Number(process.env.ACK_WAIT_MS ?? 30_000),
  handler: async (change) => {
    if (process.env.IDEMPOTENT) {
      // The effect, idempotent by (kind, id, version): a redelivery changes nothing.
      await database.query('insert into deliveries (subscriber, kind, id, version) values ($1, $2, $3, $4)', [SUBSCRIBER, change.kind, change.id, change.version]);
      await new Promise((resolve) => setTimeout(resolve, 2));
      await database.query('insert into ledger (subscriber, kind, id, version) values ($1, $2, $3, $4) on conflict do nothing', [SUBSCRIBER, change.kind, change.id, change.version]);
    } else {
      await database.query('insert into ledger (subscriber, kind, id, version) values ($1, $2, $3, $4)', [SUBSCRIBER, change.kind, change.id, change.version]);
    }
  },
});
console.log('subscribed');
process.once('SIGTERM', async () => {
  await subscription.stop();
  await bus.close();
  await database.end();
  process.exit(0);
});
