import { z } from 'zod';
import type { deliveryDetailSchema, deliveryItemSchema } from '../gateway/query/delivery-items.ts';
import type { CommandLine } from './command-line.ts';
import { withNode } from './node-client.ts';
import { choiceListSchema, idSchema } from './option-schemas.ts';
import { isoTime, listOptions, printList, readList } from './query-list.ts';

// `vigil deliveries list | show ID | retry ID`: the delivery log of notification steps, through the
// API (GET /deliveries, GET /deliveries/{id}, POST /deliveries/{id}/retry).

type DeliveryItem = z.infer<typeof deliveryItemSchema>;
type DeliveryDetail = z.infer<typeof deliveryDetailSchema>;

const deliveryIdArgument = z.string().regex(/^dlv_[0-9a-f]{32}$/, 'a delivery id is "dlv_" and 32 hex digits (vigil deliveries list shows them)');
const statuses = ['pending', 'delivered', 'dead'] as const;
const deliveryListOptions = listOptions.extend({
  dead: z.boolean().optional(),
  status: choiceListSchema(statuses).optional(),
  run: z.string().min(1).max(128).optional(),
  automation: idSchema.optional(),
});

/** `vigil deliveries list [--dead | --status …] [--run RUN] [--automation ID]`: newest first. */
export async function listDeliveries(line: CommandLine): Promise<number> {
  const options = line.options(deliveryListOptions);
  const status = options.dead ? ['dead', ...(options.status ?? []).filter((value) => value !== 'dead')] : options.status;
  return withNode(line.configFile, async (node) => {
    const list = await readList<DeliveryItem>(node, '/deliveries', { status: status?.join(','), run: options.run, automation: options.automation }, options);
    return printList(list, options, {
      ID: (delivery) => delivery.id,
      STATUS: (delivery) => delivery.status,
      ATTEMPTS: (delivery) => `${delivery.attemptCount}/${delivery.maxAttempts}`,
      CREATED: (delivery) => isoTime(delivery.createdAt),
      ACTION: (delivery) => delivery.action,
      RUN: (delivery) => `${delivery.runId} ${delivery.stepPath}`,
      TARGET: (delivery) => `${delivery.target}${delivery.lastError && delivery.status !== 'delivered' ? `  (${delivery.lastError})` : ''}`,
    });
  });
}

/** `vigil deliveries show ID`: a delivery and every attempt. */
export async function showDelivery(line: CommandLine): Promise<number> {
  const id = line.argument(0, deliveryIdArgument);
  const { json } = line.options(z.object({ json: z.boolean().optional() }));
  return withNode(line.configFile, async (node) => {
    const delivery = await node.request<DeliveryDetail>('GET', `/deliveries/${id}`);
    printDelivery(delivery, json);
    return 0;
  });
}

/**
 * `vigil deliveries retry ID`: one more attempt of a dead delivery, now. Exit code 0 when it was
 * delivered, 1 when it is still dead (the new attempt's error on stderr).
 */
export async function retryDelivery(line: CommandLine): Promise<number> {
  const id = line.argument(0, deliveryIdArgument);
  const { json } = line.options(z.object({ json: z.boolean().optional() }));
  return withNode(line.configFile, async (node) => {
    const delivery = await node.request<DeliveryDetail>('POST', `/deliveries/${id}/retry`);
    printDelivery(delivery, json);
    if (delivery.status === 'delivered') return 0;
    console.error(`vigil: delivery ${id} is still ${delivery.status}: ${delivery.attempts.at(-1)?.error ?? delivery.lastError ?? 'failed'}`);
    return 1;
  });
}

function printDelivery(delivery: DeliveryDetail, json: boolean | undefined): void {
  if (json) {
    console.log(JSON.stringify(delivery, null, 2));
    return;
  }
  console.log(`delivery ${delivery.id} (${delivery.action} → ${delivery.target}): ${delivery.status}, ${delivery.attemptCount} of ${delivery.maxAttempts} attempts`);
  console.log(`run ${delivery.runId} step ${delivery.stepPath}, created ${isoTime(delivery.createdAt)}${delivery.nextAttemptAt !== null ? `, next attempt ${isoTime(delivery.nextAttemptAt)}` : ''}`);
  for (const attempt of delivery.attempts) console.log(`  ${formatAttempt(attempt)}`);
}

/** One attempt as a line: number, status, code, duration, time, who, error. */
export function formatAttempt(attempt: DeliveryDetail['attempts'][number]): string {
  const code = attempt.responseCode === null ? '-' : String(attempt.responseCode);
  const duration = attempt.durationMs === null ? '-' : `${attempt.durationMs} ms`;
  return `#${attempt.attempt} ${attempt.status.padEnd(9)} ${code.padEnd(3)} ${duration.padStart(8)}  ${isoTime(attempt.at)}  by ${attempt.madeBy}${attempt.error ? `  error: ${attempt.error}` : ''}`;
}
