import { groupNamePattern, subjectsFor } from './subjects.ts';

/** A NATS user's subject permissions, as nats-server configuration expresses them. */
export interface NatsPermissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
  /** May publish one reply to the reply subject of each request it receives (services). */
  readonly allowResponses: boolean;
}

/**
 * What Vigil's nodes need (found by running nodes under it: test/bus/nats-permissions.test.ts
 * fails on any violation), and nothing of another namespace's streams: every `<ns>.` subject;
 * the JetStream API for their own streams, consumers and cluster bucket only (create, update and
 * read streams — never delete or purge them; create, read, pull from, list and delete
 * consumers); acks and flow control on those streams; KV writes and direct gets on the bucket;
 * replies to requests (commands come from any user's inbox: `allowResponses`); their own reply
 * inboxes `_INBOX.>`.
 */
export function nodesPermissions(namespace: string): NatsPermissions {
  const subjects = subjectsFor(namespace);
  const bucketStream = `KV_${subjects.clusterBucket}`;
  const streams = [...Object.values(subjects.streams), bucketStream];
  return {
    publish: [
      `${namespace}.>`,
      '$JS.API.INFO',
      ...streams.flatMap((stream) => [
        `$JS.API.STREAM.CREATE.${stream}`,
        `$JS.API.STREAM.UPDATE.${stream}`,
        `$JS.API.STREAM.INFO.${stream}`,
        `$JS.API.STREAM.MSG.GET.${stream}`,
        // nats.js ≥ 3 on nats-server ≥ 2.9 creates every consumer as CREATE.<stream>.<name>[.<filter>].
        `$JS.API.CONSUMER.CREATE.${stream}.>`,
        `$JS.API.CONSUMER.INFO.${stream}.*`,
        // Ordered consumers (broadcast subscribers, KV watches) delete theirs when they reset.
        `$JS.API.CONSUMER.DELETE.${stream}.*`,
        `$JS.API.CONSUMER.MSG.NEXT.${stream}.*`,
        `$JS.API.CONSUMER.LIST.${stream}`,
        `$JS.ACK.${stream}.>`,
        // Flow-control replies of push consumers (KV watches).
        `$JS.FC.${stream}.>`,
      ]),
      `$JS.API.DIRECT.GET.${bucketStream}`,
      `$JS.API.DIRECT.GET.${bucketStream}.>`,
      `$KV.${subjects.clusterBucket}.>`,
    ],
    subscribe: [`${namespace}.>`, '_INBOX.>'],
    allowResponses: true,
  };
}

/**
 * A read-only subscriber: core subscriptions on changes and triggers, and the durable pull
 * consumers named in `durables` (on the entity and the trigger stream) to read and acknowledge
 * — never to create, update or delete: a consumer's configuration names a deliver subject on
 * which the server then publishes for the account, which subject permissions cannot bound
 * (nats-io/nats-server#8274), and creating a consumer with an existing name updates it. An
 * operator creates those durables with the nodes' user. Its reply inbox is `inboxPrefix`.
 */
export function readerPermissions(namespace: string, options: { inboxPrefix: string; durables: readonly string[] }): NatsPermissions {
  const subjects = subjectsFor(namespace);
  for (const durable of options.durables) assertReaderDurable(namespace, durable);
  const streams = [subjects.streams.entity, subjects.streams.trigger];
  return {
    publish: [
      '$JS.API.INFO',
      ...streams.flatMap((stream) => [
        `$JS.API.STREAM.INFO.${stream}`,
        `$JS.API.STREAM.MSG.GET.${stream}`,
        ...options.durables.flatMap((durable) => [
          `$JS.API.CONSUMER.INFO.${stream}.${durable}`,
          `$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`,
          `$JS.ACK.${stream}.${durable}.>`,
        ]),
      ]),
    ],
    subscribe: [subjects.entityFilter(), subjects.triggerFilter(), `${options.inboxPrefix}.>`],
    allowResponses: false,
  };
}

/** A command sender: requests on `<ns>.cmd.>`, replies on its own inbox; nothing else. */
export function commandsPermissions(namespace: string, options: { inboxPrefix: string }): NatsPermissions {
  return { publish: [`${namespace}.cmd.>`], subscribe: [`${options.inboxPrefix}.>`], allowResponses: false };
}

/** A durable a reader may use: a valid consumer name outside Vigil's own `<ns>_<group>` names. */
function assertReaderDurable(namespace: string, durable: string): void {
  if (!groupNamePattern.test(durable) || durable.startsWith(`${subjectsFor(namespace).durable('')}`)) {
    throw new Error(`reader durable "${durable}" must be 1-64 letters, digits, "_" or "-" and must not start with "${namespace}_" (Vigil's own consumers)`);
  }
}
