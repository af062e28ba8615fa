export { Placement, type PlacementHooks, type PlacementOptions } from './placement.ts';
export { CommandRouter, type RoutedDispatchOptions, commandReplySchema, type CommandReply } from './command-router.ts';
export { partitionOf, desiredOwner } from './partitioning.ts';
export type { PlacementView, PlacementViewContext } from './placement-view.ts';
