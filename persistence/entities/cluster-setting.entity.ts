import { EntitySchema } from '@mikro-orm/core';

/** Settings every node of a cluster must agree on (the partition count), fixed by the first node. */
export interface ClusterSettingRow {
  key: string;
  value: unknown;
}

export const ClusterSettingSchema = new EntitySchema<ClusterSettingRow>({
  name: 'ClusterSetting',
  tableName: 'cluster_settings',
  properties: {
    key: { type: 'string', length: 64, primary: true },
    value: { type: 'json' },
  },
});
