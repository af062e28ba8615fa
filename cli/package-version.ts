import { readFileSync } from 'node:fs';

/**
 * The version in Vigil's package.json: the nearest one above this file, which is `../` from the
 * sources (cli/) and `../../` from the built code (dist/cli/).
 */
export function packageVersion(): string {
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === 'vigil' && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // not there: the next one up
    }
  }
  return 'unknown';
}
