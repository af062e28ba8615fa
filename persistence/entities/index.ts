export { EntityStateSchema, type EntityStateRow } from './entity-state.entity.ts';
export { EntityTransitionSchema, type EntityTransitionRow } from './entity-transition.entity.ts';
export { OutboxMessageSchema, type OutboxMessageRow } from './outbox-message.entity.ts';
export { EntityTimerSchema, type EntityTimerRow } from './entity-timer.entity.ts';
export { PartitionLeaseSchema, PartitionLeaseHistorySchema, type PartitionLeaseRow, type PartitionLeaseHistoryRow } from './partition-lease.entity.ts';
export { ClusterSettingSchema, type ClusterSettingRow } from './cluster-setting.entity.ts';
export { SatelliteCredentialSchema, type SatelliteCredentialRow } from './satellite-credential.entity.ts';
export { ApiTokenSchema, type ApiTokenRow } from './api-token.entity.ts';
export { PushTokenSchema, type PushTokenRow } from './push-token.entity.ts';
export { NotificationDeliverySchema, NotificationDeliveryAttemptSchema, type NotificationDeliveryRow, type NotificationDeliveryAttemptRow } from './notification-delivery.entity.ts';

import { EntityStateSchema } from './entity-state.entity.ts';
import { EntityTransitionSchema } from './entity-transition.entity.ts';
import { OutboxMessageSchema } from './outbox-message.entity.ts';
import { EntityTimerSchema } from './entity-timer.entity.ts';
import { PartitionLeaseHistorySchema, PartitionLeaseSchema } from './partition-lease.entity.ts';
import { ClusterSettingSchema } from './cluster-setting.entity.ts';
import { SatelliteCredentialSchema } from './satellite-credential.entity.ts';
import { ApiTokenSchema } from './api-token.entity.ts';
import { PushTokenSchema } from './push-token.entity.ts';
import { NotificationDeliveryAttemptSchema, NotificationDeliverySchema } from './notification-delivery.entity.ts';

export const allEntities = [EntityStateSchema, EntityTransitionSchema, OutboxMessageSchema, EntityTimerSchema, PartitionLeaseSchema, PartitionLeaseHistorySchema, ClusterSettingSchema, SatelliteCredentialSchema, ApiTokenSchema, PushTokenSchema, NotificationDeliverySchema, NotificationDeliveryAttemptSchema];
