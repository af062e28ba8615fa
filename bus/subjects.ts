/**
 * Every NATS name Vigil uses, in one place (docs/PROTOCOL.md documents them and a test checks
 * the two agree). A namespace (default `vigil`) is the first subject token and the stream-name
 * prefix, so several deployments — or test runs — can share one NATS server without seeing
 * each other.
 */
export interface Subjects {
  readonly namespace: string;
  /** `<ns>.entity.<kind>.<id>`: one message per committed transition. */
  entity(kind: string, id: string): string;
  /** Filter for changes of one kind (or of every kind). */
  entityFilter(kind?: string): string;
  /** `<ns>.trigger.<triggerId>`: one message per trigger fired by a change. */
  trigger(triggerId: string): string;
  triggerFilter(): string;
  /** `<ns>.cmd.<kind>.<id>`: request/reply commands. */
  command(kind: string, id: string): string;
  commandFilter(): string;
  /** `<ns>.node.<nodeId>.cmd.<kind>.<id>`: a command forwarded to the node that owns the entity. */
  nodeCommand(nodeId: string, kind: string, id: string): string;
  nodeCommandFilter(nodeId: string): string;
  /** `<ns>.satellite.<id>.session`: a node announces a satellite connection it accepted (core NATS). */
  satelliteSession(satelliteId: string): string;
  satelliteSessionFilter(): string;
  /**
   * `<ns>.satellite.<id>.credential`: a satellite's credential was rotated or removed (core NATS);
   * every node closes the sessions of it that authenticated with an older credential.
   */
  satelliteCredential(satelliteId: string): string;
  satelliteCredentialFilter(): string;
  /** `<ns>.parked.<group>`: messages a work-queue group gave up on. */
  parked(group: string): string;
  parkedFilter(): string;
  readonly streams: { readonly entity: string; readonly trigger: string; readonly parked: string };
  /** The cluster's KV bucket `<ns>_cluster` (members, partition leases), stored in stream `KV_<ns>_cluster`. */
  readonly clusterBucket: string;
  /** Durable consumer name of a work-queue group on a stream. */
  durable(group: string): string;
  /** Message id for JetStream de-duplication of an entity change. */
  changeMessageId(kind: string, id: string, version: number): string;
  triggerMessageId(kind: string, id: string, version: number, triggerId: string): string;
}

export function subjectsFor(namespace = 'vigil'): Subjects {
  const upper = namespace.toUpperCase();
  return {
    namespace,
    entity: (kind, id) => `${namespace}.entity.${kind}.${id}`,
    entityFilter: (kind) => (kind ? `${namespace}.entity.${kind}.*` : `${namespace}.entity.>`),
    trigger: (triggerId) => `${namespace}.trigger.${triggerId}`,
    triggerFilter: () => `${namespace}.trigger.>`,
    command: (kind, id) => `${namespace}.cmd.${kind}.${id}`,
    commandFilter: () => `${namespace}.cmd.*.*`,
    nodeCommand: (nodeId, kind, id) => `${namespace}.node.${nodeId}.cmd.${kind}.${id}`,
    nodeCommandFilter: (nodeId) => `${namespace}.node.${nodeId}.cmd.*.*`,
    satelliteSession: (satelliteId) => `${namespace}.satellite.${satelliteId}.session`,
    satelliteSessionFilter: () => `${namespace}.satellite.*.session`,
    satelliteCredential: (satelliteId) => `${namespace}.satellite.${satelliteId}.credential`,
    satelliteCredentialFilter: () => `${namespace}.satellite.*.credential`,
    parked: (group) => `${namespace}.parked.${group}`,
    parkedFilter: () => `${namespace}.parked.>`,
    streams: { entity: `${upper}_ENTITY`, trigger: `${upper}_TRIGGER`, parked: `${upper}_PARKED` },
    clusterBucket: `${namespace}_cluster`,
    durable: (group) => `${namespace}_${group}`,
    changeMessageId: (kind, id, version) => `${kind}:${id}:${version}`,
    triggerMessageId: (kind, id, version, triggerId) => `${kind}:${id}:${version}:${triggerId}`,
  };
}

/** Group names become consumer names and subject tokens. */
export const groupNamePattern = /^[A-Za-z0-9_\-]{1,64}$/;
