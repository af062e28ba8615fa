import * as z from 'zod';
import { actorOf } from '../auth/index.ts';
import type { DeliveryRecord, DeliveryStore } from '../persistence/index.ts';
import { defineRoute } from './api-route.ts';
import type { ApiRouter } from './api-router.ts';
import { commaList, idParameter, pageQueryShape, pageSchema } from './api-schemas.ts';
import { HttpRequestError } from './http-errors.ts';
import { deliveryDetail, deliveryDetailSchema, deliveryIdSchema, deliveryItem, deliveryItemSchema, deliveryStatuses } from './query/delivery-items.ts';
import { decodeCursor, encodeCursor } from './query/page-cursor.ts';

export interface DeliveryRoutesOptions {
  store: DeliveryStore;
  /**
   * One more attempt of a dead delivery, made for `madeBy`; resolves the delivery after it.
   * Rejects with `HttpRequestError` `NOT_FOUND`, or `CONFLICT` when it is not dead or an attempt
   * of it is in flight.
   */
  retry(id: string, madeBy: string): Promise<DeliveryRecord>;
}

const SORT = 'created';
const deliveryParamsSchema = z.strictObject({ id: deliveryIdSchema });

/**
 * The delivery log of notification steps (docs/PROTOCOL.md, "Notifications"): lists and details
 * for viewers, and the operator's retry of a dead delivery.
 */
export function serveDeliveryRoutes(router: ApiRouter, options: DeliveryRoutesOptions): void {
  const { store } = options;

  router.json(
    defineRoute({
      method: 'get',
      path: '/deliveries',
      access: 'viewer',
      action: 'list deliveries',
      tag: 'Automations',
      summary: 'Deliveries of notification steps (Slack, e-mail, webhook), newest first',
      query: z.strictObject({
        ...pageQueryShape,
        status: commaList(deliveryStatuses, 'Only deliveries in these statuses (dead: failed for good, retry them by hand)'),
        run: idParameter.optional().meta({ description: 'Only the deliveries of this run' }),
        automation: idParameter.optional().meta({ description: 'Only the deliveries of this automation' }),
      }),
      response: pageSchema(deliveryItemSchema, 'DeliveryPage'),
      handle: async ({ query }) => {
        const after = decodeCursor(query.cursor, SORT, 2) as [number, string] | undefined;
        const page = await store.page({
          ...(query.status ? { statuses: query.status } : {}),
          ...(query.run !== undefined ? { runId: query.run } : {}),
          ...(query.automation !== undefined ? { automationId: query.automation } : {}),
          ...(after ? { after } : {}),
          limit: query.limit ?? 50,
        });
        const last = page.rows.at(-1);
        return { items: page.rows.map(deliveryItem), next: page.more && last ? encodeCursor(SORT, [last.createdAt, last.id]) : null };
      },
    }),
  );

  router.json(
    defineRoute({
      method: 'get',
      path: '/deliveries/{id}',
      access: 'viewer',
      action: 'read deliveries',
      tag: 'Automations',
      summary: 'A delivery with every attempt (status, response code, error, duration, who made it) and the request it sends',
      params: deliveryParamsSchema,
      response: deliveryDetailSchema,
      errors: ['NOT_FOUND'],
      handle: async ({ params: { id } }) => {
        const delivery = await store.find(id);
        if (!delivery) throw new HttpRequestError('NOT_FOUND', `no delivery "${id}"`);
        const attempts = await store.attemptsOf([id]);
        return deliveryDetail(delivery, attempts.get(id) ?? []);
      },
    }),
  );

  router.json(
    defineRoute({
      method: 'post',
      path: '/deliveries/{id}/retry',
      access: 'operator',
      action: 'retry deliveries',
      tag: 'Automations',
      summary: 'Makes one more attempt of a dead delivery now; answers the delivery after it (delivered, or still dead with the new attempt logged)',
      description:
        'The request is sent again as stored, with the secrets the node has now. The attempt is logged with madeBy `token:<name>`; the run is not changed. 409 CONFLICT when the delivery is not dead (delivered, or still being attempted by its run) or an attempt of it is in flight.',
      params: deliveryParamsSchema,
      response: deliveryDetailSchema,
      errors: ['NOT_FOUND', 'CONFLICT'],
      handle: async ({ params: { id }, principal }) => {
        const delivery = await options.retry(id, actorOf(principal!));
        const attempts = await store.attemptsOf([id]);
        return deliveryDetail(delivery, attempts.get(id) ?? []);
      },
    }),
  );
}
