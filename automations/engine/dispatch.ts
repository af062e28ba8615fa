import { isEventNotAllowed, type DispatchOptions } from '../../actors/index.ts';

/** Routed dispatch: to the entity's owner, wherever it is in the cluster. */
export type Dispatch = (kind: string, id: string, event: Record<string, unknown>, options?: DispatchOptions) => Promise<unknown>;

/**
 * Dispatches an event the engine may send more than once (a redelivered message, a retry after
 * a crash): the entity refusing it (`EVENT_NOT_ALLOWED`: started already, ended, no longer
 * active) means it was applied before, or no longer applies. Any other failure is thrown.
 */
export async function dispatchOnce(dispatch: Dispatch, kind: string, id: string, event: Record<string, unknown>, options?: DispatchOptions): Promise<void> {
  try {
    await dispatch(kind, id, event, options);
  } catch (error) {
    if (!isEventNotAllowed(error)) throw error;
  }
}
