import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ABANDONED_ATTEMPT_ERROR, ATTEMPT_GRACE_MS, ATTEMPT_LEASE_MARGIN_MS } from '../../automations/engine/delivery-attempts.ts';
import type { AutomationRunState } from '../../machines/index.ts';
import { auditFencing, startClusterWithClients } from '../support/cluster.ts';
import { useIsolation } from '../support/fixtures.ts';
import { waitFor } from '../support/stream-reader.ts';
import { scaled } from '../support/time-scale.ts';

const isolation = useIsolation();
const SIGNING_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
/** The webhook's own time limit: the attempt's lease ends this + ATTEMPT_GRACE_MS + ATTEMPT_LEASE_MARGIN_MS after it starts. */
const TIMEOUT_MS = 2_000;
const LEASE_MS = TIMEOUT_MS + ATTEMPT_GRACE_MS + ATTEMPT_LEASE_MARGIN_MS;

/** One request the receiver got: its Standard Webhooks id, body, when, and the process that sent it. */
interface Received {
  webhookId: string;
  body: string;
  at: number;
  senderPid: number | undefined;
}

// A webhook receiver that never answers the first request of a delivery (the sender is killed
// while waiting) and answers every later one with 200.
const received: Received[] = [];
const held: ServerResponse[] = [];
const receiver = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const webhookId = String(request.headers['webhook-id']);
    const first = !received.some((entry) => entry.webhookId === webhookId);
    received.push({ webhookId, body: Buffer.concat(chunks).toString('utf8'), at: Date.now(), senderPid: processOfConnection(request.socket.remotePort!) });
    if (first) held.push(response);
    else response.writeHead(200).end('ok');
  });
});
let origin: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const response of held) response.destroy();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

/** The process holding the client side of a loopback connection from `port` (ss, from iproute2). */
function processOfConnection(port: number): number | undefined {
  const line = execFileSync('ss', ['-tnpH', 'state', 'established', `sport = :${port}`], { encoding: 'utf8' });
  const match = /pid=(\d+)/.exec(line);
  return match ? Number(match[1]) : undefined;
}

describe('a notification attempt in flight when the node making it is killed', () => {
  it('is written off once its lease is over and made again by another node, with the same webhook-id and body', async () => {
    const { nodes, db, command } = await startClusterWithClients(isolation, { size: 2, leaseTtlMs: 2_000, env: { VIGIL_SECRET_HOOK_SECRET: SIGNING_SECRET } });
    await command('system', 'shop', { type: 'create', name: 'Shop' });
    await command('automation', 'hook-oncall', {
      type: 'save',
      definition: {
        id: 'hook-oncall',
        name: 'Tell the paging service about new incidents',
        scope: 'context',
        triggers: [{ id: 'opened', event: 'incident.created' }],
        actions: [{ action: 'notify.webhook', config: { url: `${origin}/hooks/vigil`, signing_secret: '${{ secrets.HOOK_SECRET }}', timeout_ms: TIMEOUT_MS } }],
      },
    });
    // Let every node's router learn of the automation before the trigger.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await command('incident', 'inc-1', { type: 'create', title: 'Checkout down', severity: 'major', systemIds: ['shop'] });

    // The first attempt reached the receiver, which holds it: kill the node that is waiting for the answer.
    const first = await waitFor(() => received[0], 20_000, 'the first attempt at the receiver');
    const sender = nodes.find((node) => node.pid === first.senderPid);
    expect(sender, `the attempt's connection belongs to a node (pid ${first.senderPid})`).toBeDefined();
    await sender!.kill('SIGKILL');
    const survivor = nodes.find((node) => node !== sender)!;

    const runs = async () => (await db.query(`select state from entity_state where kind = 'automation_run' and state->>'automationId' = 'hook-oncall'`)).rows.map((row) => row.state as AutomationRunState);
    await waitFor(async () => ((await runs()).some((run) => run.status === 'succeeded') ? true : undefined), LEASE_MS + 60_000, 'the run succeeded after the kill');

    // Exactly one more request, not before the first attempt's lease was over, identical to the first.
    expect(received).toHaveLength(2);
    const [, again] = received as [Received, Received];
    expect(again.webhookId).toBe(first.webhookId);
    expect(again.body).toBe(first.body);
    expect(again.at - first.at).toBeGreaterThanOrEqual(LEASE_MS - 1_000);
    expect(again.senderPid).toBe(survivor.pid);

    // The log: the abandoned attempt, written off, then the delivered one; the run succeeded once.
    const attempts = (
      await db.query(
        `select d.status, d.attempts, a.attempt, a.status as attempt_status, a.error from notification_deliveries d
         join notification_delivery_attempts a on a.delivery_id = d.id where d.automation_id = 'hook-oncall' order by a.attempt`,
      )
    ).rows;
    expect(attempts.map((row) => [row.status, row.attempts, row.attempt, row.attempt_status])).toEqual([
      ['delivered', 2, 1, 'failed'],
      ['delivered', 2, 2, 'delivered'],
    ]);
    expect(attempts[0].error).toBe(ABANDONED_ATTEMPT_ERROR);
    const all = await runs();
    expect(all.map((run) => run.status)).toEqual(['succeeded']);
    expect(await auditFencing(isolation.databaseUrl, 32)).toEqual([]);
  }, scaled(180_000));
});
