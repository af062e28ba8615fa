import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as UWS from 'uWebSockets.js';

/**
 * The uWebSockets.js native addon for this Node, from one of two installed builds, never a
 * JavaScript fallback (it lacks parts of the API the gateway uses, and loses the speed that is
 * the reason for uWS). No single build on the npm registry loads on every machine Vigil supports:
 *
 * - `uWebSockets.js` (`@btc-vision/uwebsockets.js` 20.57.0, a republished upstream v20.57.0):
 *   Node 20, 22, 24 and 25 (ABI 115, 127, 137, 141), but linked against glibc 2.38 or newer
 *   (Debian 13, Ubuntu 24.04, RHEL 10);
 * - `@trufflesuite/uws-js-unofficial` 20.30.0: Node 16 to 20 only (ABI 93, 108, 115), glibc 2.27
 *   or newer (Debian 12, Ubuntu 22.04, where Node 20 is the one that works).
 *
 * The first that loads wins; when neither does, the error says both reasons.
 */
export interface UwsBuild {
  /** The npm package the addon came from. */
  package: '@btc-vision/uwebsockets.js' | '@trufflesuite/uws-js-unofficial';
  version: string;
  /** The addon file loaded: uws_<platform>_<arch>_<ABI>.node. */
  binary: string;
  /**
   * Whether `res.upgrade()` may run inside `res.cork()` after an asynchronous upgrade. 20.30 reads
   * the response after the cork callback, when its memory already belongs to the WebSocket
   * (uWebSockets PR #1929, fixed upstream later), so there the upgrade goes uncorked and uWS prints
   * a warning per connection.
   */
  corkedUpgrade: boolean;
}

const require = createRequire(import.meta.url);
const binary = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;

function load(): { uWS: typeof UWS; build: UwsBuild } {
  const failures: string[] = [];
  try {
    // The package's own loader requires exactly `binary` and throws (no fallback) when it cannot.
    const uWS = require('uWebSockets.js') as typeof UWS;
    const version = packageVersion(require.resolve('uWebSockets.js'));
    return { uWS, build: { package: '@btc-vision/uwebsockets.js', version, binary, corkedUpgrade: true } };
  } catch (error) {
    failures.push(`uWebSockets.js (@btc-vision/uwebsockets.js): ${firstLine(error)}`);
  }
  try {
    // The binary itself, not the package's entry point, which falls back to JavaScript silently.
    const uWS = require(`@trufflesuite/uws-js-unofficial/binaries/${binary}`) as typeof UWS;
    const version = packageVersion(require.resolve('@trufflesuite/uws-js-unofficial'));
    return { uWS, build: { package: '@trufflesuite/uws-js-unofficial', version, binary, corkedUpgrade: false } };
  } catch (error) {
    failures.push(`@trufflesuite/uws-js-unofficial: ${firstLine(error)}`);
  }
  throw new Error(
    `no uWebSockets.js native addon loads on Node ${process.version} (${binary}, glibc ${glibcVersion() ?? 'unknown'}): ` +
      'use Node 22 or 24 on glibc 2.38 or newer, or Node 20 (see docs/OPERATIONS.md, "Supported platforms").\n  - ' +
      failures.join('\n  - '),
  );
}

/** The version in the package.json next to a package's entry file (btc-vision does not export it). */
function packageVersion(entry: string): string {
  let dir = path.dirname(entry);
  for (;;) {
    try {
      return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dir === path.dirname(dir)) throw error;
      dir = path.dirname(dir);
    }
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // The btc-vision loader puts its own advice first and the loader's error after a blank line.
  const lines = message.split('\n').filter((line) => line.trim() !== '');
  return lines.at(-1) ?? message;
}

/** The C library version this process runs on (undefined where it is not glibc). */
export function glibcVersion(): string | undefined {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime;
}

/**
 * Whether this process runs on glibc `minimum` or newer: where `@btc-vision/uwebsockets.js` loads
 * (it needs 2.38).
 */
export function glibcAtLeast(minimum: string): boolean {
  const version = glibcVersion();
  if (version === undefined) return false;
  const [have, want] = [version, minimum].map((text) => text.split('.').map(Number));
  for (let index = 0; index < Math.max(have!.length, want!.length); index++) {
    const difference = (have![index] ?? 0) - (want![index] ?? 0);
    if (difference !== 0) return difference > 0;
  }
  return true;
}

const loaded = load();

/** The native module; import it from here, never from `uWebSockets.js` directly. */
const uWS: typeof UWS = loaded.uWS;
export default uWS;

/** Which build `uWS` is (for `/cluster/status`, the start-up log and the tests). */
export const uwsBuild: UwsBuild = loaded.build;
