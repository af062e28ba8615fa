import type { PathSegment } from '../expressions/index.ts';
import type { AutomationDefinition } from './automation-definition.ts';
import { walkSteps } from './definition-walk.ts';

/** Step kinds the document format has but this version's engine cannot run yet. */
export const unsupportedStepKinds = ['parallel', 'repeat', 'wait_for_trigger', 'wait_until'] as const;

/**
 * What this version of the engine cannot honour yet, with where it is used. A definition using
 * any of it is refused when saved (by the CLI and by the `automation` entity itself), rather
 * than saved and then run differently from what it says.
 */
export function unsupportedFeatures(definition: AutomationDefinition): Array<{ path: PathSegment[]; message: string }> {
  const found: Array<{ path: PathSegment[]; message: string }> = [];
  definition.triggers.forEach((trigger, index) => {
    if (trigger.for !== undefined) found.push({ path: ['triggers', index, 'for'], message: '`for:` is not supported by this version of Vigil yet' });
    if (trigger.window !== undefined) found.push({ path: ['triggers', index, 'window'], message: '`window` is not supported by this version of Vigil yet' });
  });
  walkSteps(definition.actions, ['actions'], (step, path) => {
    const kind = unsupportedStepKinds.find((candidate) => candidate in step);
    if (kind) found.push({ path, message: `\`${kind}\` steps are not supported by this version of Vigil yet` });
  });
  return found;
}
