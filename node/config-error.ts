/**
 * A configuration a person must fix (a bad variable, an unreadable config file): the message names
 * each bad value and where it came from. The `vigil` command exits with code 2 on it. In its own
 * file so the CLI can recognise it without loading the node's configuration schema.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
}
