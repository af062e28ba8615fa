import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { connectBus, deleteStreams } from '../../bus/index.ts';

/** The servers every test run uses (the machine's own; CI has the same). */
export const POSTGRES_ADMIN_URL = process.env.VIGIL_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const NATS_URL = process.env.VIGIL_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export function uniqueName(prefix: string): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

/** A database of its own for one test file: created empty, dropped at the end. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = uniqueName('vigil_t_');
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/** A NATS namespace of its own (subjects `<ns>.>`, streams `<NS>_*`), deleted at the end. */
export function createTestNamespace(natsUrl = NATS_URL): { namespace: string; cleanup(): Promise<void> } {
  const namespace = uniqueName('t');
  return {
    namespace,
    cleanup: async () => {
      const bus = await connectBus({ servers: natsUrl, namespace, name: 'test-cleanup' }).catch(() => undefined);
      if (!bus) return;
      await deleteStreams(bus);
      await bus.close();
    },
  };
}

/** The admin API token every test node is started with (`VIGIL_ADMIN_TOKEN`). A test value, never a default. */
export const TEST_ADMIN_TOKEN = 'vgl_test-admin-token-not-for-production-0000000000';

/** NATS headers of a command sent with the test admin token. */
export function commandHeaders(token: string = TEST_ADMIN_TOKEN): MsgHdrs {
  const h = natsHeaders();
  h.set('Authorization', `Bearer ${token}`);
  return h;
}

/** HTTP headers of a request sent with the test admin token. */
export function authorization(token: string = TEST_ADMIN_TOKEN): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
