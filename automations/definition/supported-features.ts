import { getTrigger } from '../../machines/triggers/trigger-registry.ts';
import type { PathSegment } from '../expressions/index.ts';
import type { AutomationDefinition } from './automation-definition.ts';
import { walkSteps } from './definition-walk.ts';

/** Step kinds that make a run wait; the engine cannot wait inside a `parallel` branch yet. */
export const waitingStepKinds = ['delay', 'wait_for_trigger', 'wait_until'] as const;

/**
 * What this version of the engine cannot honour yet, with where it is used. A definition using
 * any of it is refused when saved (by the CLI and by the `automation` entity itself), rather
 * than saved and then run differently from what it says.
 */
export function unsupportedFeatures(definition: AutomationDefinition): Array<{ path: PathSegment[]; message: string }> {
  const found: Array<{ path: PathSegment[]; message: string }> = [];
  definition.triggers.forEach((trigger, index) => {
    if (trigger.for !== undefined && trigger.window !== undefined) found.push({ path: ['triggers', index], message: 'a trigger has either `for:` or `window`, not both' });
    const known = getTrigger(trigger.event);
    if (trigger.for !== undefined && known && !known.lasting) {
      found.push({ path: ['triggers', index, 'for'], message: `\`for:\` needs a trigger that announces a lasting state; ${trigger.event} is a momentary event` });
    }
  });
  walkSteps(definition.actions, ['actions'], (step, path) => {
    const waiting = waitingStepKinds.find((candidate) => candidate in step);
    if (waiting && path.slice(0, -1).includes('parallel')) found.push({ path, message: `\`${waiting}\` inside \`parallel\` is not supported by this version of Vigil yet` });
  });
  return found;
}
