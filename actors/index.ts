export { EntityRuntime, type DispatchOptions, type EntityView, type EntityRuntimeOptions } from './entity-runtime.ts';
export { CommitBatcher } from './commit-batcher.ts';
export { OutboxRelay } from './outbox-relay.ts';
export { TimerScheduler } from './timer-scheduler.ts';
export { CommandListener } from './command-listener.ts';
export { Placement, CommandRouter, commandReplySchema, partitionOf, desiredOwner, type CommandReply, type PlacementHooks } from './placement/index.ts';
export { onEntityChanged, onTrigger, type DeliveryInfo, type SubscriptionOptions } from './change-subscriptions.ts';
export { CommitRejectedError, isEventNotAllowed, RuntimeError, type RuntimeErrorCode } from './errors.ts';
