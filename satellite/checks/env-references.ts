import { ENV_REFERENCE } from '../../protocol/strategy-fields.ts';
import { CheckFailure } from './check-failure.ts';

/** Whether `text` names an environment variable (`${env:NAME}`). */
export function hasEnvReference(text: string): boolean {
  return new RegExp(ENV_REFERENCE.source).test(text);
}

/**
 * `text` with every `${env:NAME}` replaced by the satellite's environment variable NAME. Throws an
 * `internal` failure (ENV_NOT_SET) naming a variable that is not set: the check cannot run as
 * defined on this satellite. The values are never logged or reported.
 */
export function resolveEnvReferences(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return text.replace(new RegExp(ENV_REFERENCE.source, 'g'), (_reference, name: string) => {
    const value = env[name];
    if (value === undefined) throw new CheckFailure('internal', `environment variable ${name} is not set on this satellite (the check refers to \${env:${name}})`, 'ENV_NOT_SET');
    return value;
  });
}
