import type { Logger } from 'pino';
import { isEventNotAllowed } from '../../actors/index.ts';
import { getTrigger, type AutomationDwellState, type FiredTrigger, type TriggerMessage } from '../../machines/index.ts';
import type { Database } from '../../persistence/index.ts';
import type { StateReader } from '../conditions/index.ts';
import type { AutomationDefinition, Trigger } from '../definition/automation-definition.ts';
import { dispatchOnce, type Dispatch } from './dispatch.ts';
import { stableCommandId } from './fire-scope.ts';
import { findDeparture } from './lasting-state.ts';
import { dwellIdFor } from './scope-id.ts';

/** Looks at the dwell again after another node changed it under us; more means something is wrong. */
const MAX_ARM_ATTEMPTS = 5;

/**
 * The router's side of `for:` triggers: an event that passed the trigger's filter starts an
 * episode on the trigger's `automation_dwell` entity, or, when an episode is running and the
 * state held since it started, leaves its deadline alone. Events of a watched entity that no
 * longer holds the state disarm its episode early. The deadline side (confirm, fire, settle) is
 * the dwell reactor.
 */
export class DwellKeeper {
  constructor(
    private readonly options: { reader: StateReader; database: Database; dispatch: Dispatch; log: Logger },
  ) {}

  /** `fired` passed the filter of `trigger`, a trigger with `for:`. */
  async onFire(definition: AutomationDefinition, trigger: Trigger, fired: FiredTrigger): Promise<void> {
    const lasting = getTrigger(fired.event)?.lasting;
    if (!lasting || trigger.for === undefined) return; // refused at save time
    const dwellId = dwellIdFor(definition.id, trigger.id, fired.source.id);
    for (let attempt = 1; attempt <= MAX_ARM_ATTEMPTS; attempt++) {
      const dwell = (await this.options.reader.read('automation_dwell', dwellId)).state as AutomationDwellState | null;
      const running = dwell && dwell.status !== 'idle' && dwell.trigger ? dwell.trigger : null;
      if (dwell?.trigger && fired.source.version <= dwell.trigger.source.version) return; // this change or a newer one was seen
      if (running) {
        const departure = await findDeparture(this.options.database, lasting, running, fired.source.version);
        if (!departure) {
          this.options.log.debug({ automationId: definition.id, trigger: trigger.id, dwellId, deadline: dwell!.deadline }, 'for: the state still holds; the deadline is kept');
          return;
        }
      }
      try {
        await this.options.dispatch(
          'automation_dwell',
          dwellId,
          { type: 'arm', automationId: definition.id, triggerId: trigger.id, forMs: trigger.for, trigger: fired, replaces: dwell?.episode ?? 0 },
          { commandId: stableCommandId('arm', dwellId, fired.source.kind, fired.source.id, fired.source.version), actor: `automation:${definition.id}` },
        );
        return;
      } catch (error) {
        // Another node started an episode (or this change's arm was applied) meanwhile: look again.
        if (!isEventNotAllowed(error)) throw error;
      }
    }
    throw new Error(`the for: dwell ${dwellId} kept changing while being armed`);
  }

  /**
   * `message` came from an entity a `for:` trigger of `definition` watches: if its episode is
   * armed and the entity no longer holds the state, disarm it now (the deadline check would
   * find the departure anyway; this ends the episode when it happens).
   */
  async onSourceEvent(definition: AutomationDefinition, trigger: Trigger, message: TriggerMessage): Promise<void> {
    const lasting = getTrigger(trigger.event)?.lasting;
    if (!lasting || lasting.kind !== message.source.kind) return;
    const dwellId = dwellIdFor(definition.id, trigger.id, message.source.id);
    const dwell = (await this.options.reader.read('automation_dwell', dwellId)).state as AutomationDwellState | null;
    if (!dwell || dwell.status !== 'armed' || !dwell.trigger) return;
    const current = await this.options.reader.read(message.source.kind, message.source.id);
    if (lasting.holds(dwell.trigger.payload, current.state as Record<string, unknown> | null)) return;
    await dispatchOnce(
      this.options.dispatch,
      'automation_dwell',
      dwellId,
      { type: 'disarm', episode: dwell.episode, reason: `${message.source.kind} ${message.source.id} left the state (${lasting.description}) at version ${current.version}` },
      { actor: `automation:${definition.id}` },
    );
  }
}
