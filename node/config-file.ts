import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error.ts';

/**
 * Reads a JSON config file (`--config` / `VIGIL_CONFIG`) as an object, or throws a `ConfigError`
 * that names the file and what is wrong. Shared by the node's configuration and the CLI's client
 * configuration (which must not load the node's schema), so both say the same things.
 */
export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`config file ${file} is not a JSON object: ${(error as Error).message}`);
  }
}
