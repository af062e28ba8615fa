import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import uWS from 'uWebSockets.js';

const require = createRequire(import.meta.url);

// The binary a native build loads for this Node: uws_<platform>_<arch>_<ABI>.node.
const binaryName = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;

describe('uWebSockets.js', () => {
  it(`is the native addon ${binaryName}, not a JavaScript fallback`, () => {
    const packageDir = packageRoot(require.resolve('uWebSockets.js'));
    // What `gateway/` imports (ESM) is the object the package's loader returned…
    expect(require('uWebSockets.js')).toBe(uWS);
    // …and that object is the exports of the compiled binary for this Node's ABI.
    const binaries = Object.values(require.cache).filter((module) => module?.filename.startsWith(packageDir) && module.filename.endsWith('.node'));
    expect(binaries.map((module) => path.basename(module!.filename))).toEqual([binaryName]);
    expect(binaries[0]!.exports).toBe(uWS);
    // The process really dlopen()ed it.
    const report = process.report.getReport() as unknown as { sharedObjects: string[] };
    expect(report.sharedObjects.filter((file) => file.startsWith(packageDir))).toEqual([binaries[0]!.filename]);
    // Its functions are C++ ones.
    expect(Function.prototype.toString.call(uWS.App)).toMatch(/\[native code\]/);
  });

  it('exports the listen flag that keeps a port to one process', () => {
    expect((uWS as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT?: unknown }).LIBUS_LISTEN_EXCLUSIVE_PORT).toBe(1);
  });
});

/** The folder of the package that `file` belongs to (its `package.json` may not be exported). */
function packageRoot(file: string): string {
  let dir = path.dirname(file);
  while (!existsSync(path.join(dir, 'package.json')) && dir !== path.dirname(dir)) dir = path.dirname(dir);
  return dir + path.sep;
}
