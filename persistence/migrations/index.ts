import { Migration20261122000000_entity_runtime } from './Migration20261122000000_entity_runtime.ts';
import { Migration20261122010000_placement } from './Migration20261122010000_placement.ts';
import { Migration20261122020000_command_ids } from './Migration20261122020000_command_ids.ts';
import { Migration20261122030000_satellite_credentials } from './Migration20261122030000_satellite_credentials.ts';
import { Migration20261122040000_outbox_by_reference } from './Migration20261122040000_outbox_by_reference.ts';
import { Migration20261122050000_waiting_runs } from './Migration20261122050000_waiting_runs.ts';
import { Migration20261122060000_satellite_credential_generations } from './Migration20261122060000_satellite_credential_generations.ts';
import { Migration20261206000000_api_tokens } from './Migration20261206000000_api_tokens.ts';
import { Migration20261206010000_health_status_changes } from './Migration20261206010000_health_status_changes.ts';
import { Migration20261206020000_query_indexes } from './Migration20261206020000_query_indexes.ts';
import { Migration20261207000000_push_tokens } from './Migration20261207000000_push_tokens.ts';
import { Migration20261207010000_notification_deliveries } from './Migration20261207010000_notification_deliveries.ts';
import { Migration20261207020000_check_history } from './Migration20261207020000_check_history.ts';
import { Migration20261207030000_rollup_folds } from './Migration20261207030000_rollup_folds.ts';

/** Every migration, oldest first. Listed explicitly so they run the same from source and from a bundle. */
export const migrationsList = [
  { name: 'Migration20261122000000_entity_runtime', class: Migration20261122000000_entity_runtime },
  { name: 'Migration20261122010000_placement', class: Migration20261122010000_placement },
  { name: 'Migration20261122020000_command_ids', class: Migration20261122020000_command_ids },
  { name: 'Migration20261122030000_satellite_credentials', class: Migration20261122030000_satellite_credentials },
  { name: 'Migration20261122040000_outbox_by_reference', class: Migration20261122040000_outbox_by_reference },
  { name: 'Migration20261122050000_waiting_runs', class: Migration20261122050000_waiting_runs },
  { name: 'Migration20261122060000_satellite_credential_generations', class: Migration20261122060000_satellite_credential_generations },
  { name: 'Migration20261206000000_api_tokens', class: Migration20261206000000_api_tokens },
  { name: 'Migration20261206010000_health_status_changes', class: Migration20261206010000_health_status_changes },
  { name: 'Migration20261206020000_query_indexes', class: Migration20261206020000_query_indexes },
  { name: 'Migration20261207000000_push_tokens', class: Migration20261207000000_push_tokens },
  { name: 'Migration20261207010000_notification_deliveries', class: Migration20261207010000_notification_deliveries },
  { name: 'Migration20261207020000_check_history', class: Migration20261207020000_check_history },
  { name: 'Migration20261207030000_rollup_folds', class: Migration20261207030000_rollup_folds },
];
