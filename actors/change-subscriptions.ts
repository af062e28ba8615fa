import { consume, type Bus, type Delivery, type Subscription } from '../bus/index.ts';
import { entityChangeSchema, triggerMessageSchema, type EntityChange, type EntityKind, type TriggerMessage } from '../machines/index.ts';

/** What a handler learns about the delivery besides the payload. */
export interface DeliveryInfo {
  subject: string;
  /** Stream sequence of the message. */
  sequence: number;
  /** 1 on first delivery. A handler seeing >1 may have run before: be idempotent by version. */
  deliveryCount: number;
}

export interface SubscriptionOptions {
  delivery: Delivery;
  maxDeliveries?: number;
  backoffMs?: number;
  ackWaitMs?: number;
  startAt?: 'new' | 'all';
  concurrency?: number;
  onError?: (error: unknown, info: DeliveryInfo, parked: boolean) => void;
}

/** A message that does not match the contract: retrying cannot help, so it is parked at once. */
class InvalidMessageError extends Error {
  readonly permanent = true;
}

const decoder = new TextDecoder();

function parse<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { message: string } } }, data: Uint8Array, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(data));
  } catch {
    throw new InvalidMessageError(`${what} is not JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new InvalidMessageError(`${what} does not match the contract: ${parsed.error.message}`);
  return parsed.data;
}

/**
 * Calls `handler` for committed changes of `kind` (or of every kind), at least once per
 * delivery group; the message is acked after the handler resolves. Handlers get the change with
 * its `version`, so they can ignore what they already did. Messages that fail validation, and
 * messages whose handler failed `maxDeliveries` times, are parked on `<ns>.parked.<group>`.
 */
export function onEntityChanged(
  bus: Bus,
  options: SubscriptionOptions & {
    kind?: EntityKind;
    handler: (change: EntityChange, info: DeliveryInfo) => Promise<void>;
    /**
     * Asked first, with the message unread: false acknowledges it without parsing or validating
     * it (a change nobody needs now costs its delivery only; a health change is several KB of JSON).
     */
    wanted?: (info: DeliveryInfo) => boolean;
  },
): Promise<Subscription> {
  const { wanted } = options;
  return consume(bus, {
    ...options,
    stream: bus.subjects.streams.entity,
    filterSubject: bus.subjects.entityFilter(options.kind),
    handler: (message) => (wanted && !wanted(message) ? Promise.resolve() : options.handler(parse(entityChangeSchema, message.data, 'entity change'), message)),
    onError: options.onError,
  });
}

/** Like `onEntityChanged`, for one trigger id (e.g. `healthcheck.system.degraded`). */
export function onTrigger(
  bus: Bus,
  triggerId: string,
  handler: (message: TriggerMessage, info: DeliveryInfo) => Promise<void>,
  options: SubscriptionOptions,
): Promise<Subscription> {
  return consume(bus, {
    ...options,
    stream: bus.subjects.streams.trigger,
    filterSubject: bus.subjects.trigger(triggerId),
    handler: (message) => handler(parse(triggerMessageSchema, message.data, 'trigger message'), message),
    onError: options.onError,
  });
}
