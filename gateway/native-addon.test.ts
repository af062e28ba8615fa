import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import uWS, { glibcAtLeast, uwsBuild } from './uws.ts';

const require = createRequire(import.meta.url);

// The binary a native build loads for this Node: uws_<platform>_<arch>_<ABI>.node.
const binaryName = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;

describe('uWebSockets.js', () => {
  it(`is the native addon ${binaryName}, not a JavaScript fallback`, () => {
    expect(uwsBuild.binary).toBe(binaryName);
    // The module the gateway uses is the exports of a compiled binary for this Node's ABI, from
    // the package the loader names…
    const addons = Object.values(require.cache).filter((module) => module?.filename.endsWith('.node') && module.exports === uWS);
    expect(addons.map((module) => path.basename(module!.filename))).toEqual([binaryName]);
    const file = addons[0]!.filename;
    expect(file).toContain(path.join('node_modules', uwsBuild.package === '@btc-vision/uwebsockets.js' ? 'uWebSockets.js' : uwsBuild.package) + path.sep);
    // …which the process really dlopen()ed…
    const report = process.report.getReport() as unknown as { sharedObjects: string[] };
    expect(report.sharedObjects).toContain(file);
    // …and no JavaScript fallback was loaded beside it.
    const fallback = Object.keys(require.cache).filter((name) => name.includes(`uws-js-unofficial${path.sep}dist${path.sep}`));
    expect(fallback).toEqual([]);
    // Its functions are C++ ones.
    expect(Function.prototype.toString.call(uWS.App)).toMatch(/\[native code\]/);
  });

  it('prefers the build for current Node versions wherever it loads', () => {
    // @btc-vision/uwebsockets.js needs glibc 2.38; on older systems only Node 20 has a build.
    const modern = glibcAtLeast('2.38');
    expect(uwsBuild.package).toBe(modern ? '@btc-vision/uwebsockets.js' : '@trufflesuite/uws-js-unofficial');
    expect(uwsBuild.corkedUpgrade).toBe(modern);
  });

  it('exports the listen flag that keeps a port to one process', () => {
    expect((uWS as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT?: unknown }).LIBUS_LISTEN_EXCLUSIVE_PORT).toBe(1);
  });
});
