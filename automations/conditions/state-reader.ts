/** An entity as conditions see it. `state` is its reactive state (null when it does not exist). */
export interface EntityView {
  kind: string;
  id: string;
  exists: boolean;
  state: Record<string, unknown> | null;
  stateValue: unknown;
  version: number;
}

/** Read access to entity state for condition evaluation; implemented by the engine over the runtime. */
export interface StateReader {
  read(kind: string, id: string): Promise<EntityView>;
  /** Epoch ms since which the value at `path` (or the stateValue, when path is undefined) of the entity has been what it is now; null if unknown / entity missing. */
  since(kind: string, id: string, path: string | undefined): Promise<number | null>;
  /** True when the system is inside an active maintenance window at `at`. */
  inMaintenance(systemId: string, at: number): Promise<boolean>;
}
