import { Migration } from '@mikro-orm/migrations';

/**
 * Finds the automation runs waiting on an entity or a trigger event (`state.wait.keys` of
 * `automation_run` rows, e.g. `entity:incident:INC-1`, `trigger:incident.resolved`): the engine
 * looks them up for every change of a watched entity kind, so the lookup must be an index probe.
 * Partial: only run rows are indexed, and only those waiting have keys.
 */
export class Migration20261122050000_waiting_runs extends Migration {
  override up(): void {
    this.addSql(`create index "entity_state_run_wait_keys" on "entity_state" using gin (("state"->'wait'->'keys')) where "kind" = 'automation_run';`);
  }

  override down(): void {
    this.addSql(`drop index if exists "entity_state_run_wait_keys";`);
  }
}
