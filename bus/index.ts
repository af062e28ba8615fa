export { connectBus, redactServers, type Bus, type BusOptions } from './connection.ts';
export { ensureStreams, deleteStreams, type StreamOptions } from './streams.ts';
export { publishAll, type OutgoingMessage } from './publisher.ts';
export { consume, type ConsumeOptions, type Delivery, type DeliveredMessage, type MessageHandler, type Subscription } from './consumers.ts';
export { subjectsFor, groupNamePattern, type Subjects } from './subjects.ts';
export { BusError } from './errors.ts';
export { ClusterBucket, type ClusterEvent, type MemberValue, type LeaseValue } from './cluster-bucket.ts';
export { natsConnectionOptions, describeNatsAuth, nkeySeedBytes, type NatsAuthSettings, type NatsAuthOptions } from './connection-options.ts';
export { Secret } from './secret.ts';
