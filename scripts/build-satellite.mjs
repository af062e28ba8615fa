// Bundles the satellite agent (satellite/bin.ts and everything it imports: protocol/, zod, ws) into
// one ESM file, packages/satellite/dist/vigil-satellite.js, which runs on Node >= 20 with nothing
// installed next to it. Part of `npm run build`; also the package's `prepack`. See docs/SATELLITE.md.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const outputFolder = join(root, 'packages/satellite/dist');
const bundlePath = join(outputFolder, 'vigil-satellite.js');
const noticesPath = join(outputFolder, 'THIRD-PARTY-NOTICES.txt');

const result = await build({
  absWorkingDir: root,
  entryPoints: ['satellite/bin.ts'],
  outfile: bundlePath,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  write: false,
  metafile: true,
  legalComments: 'eof',
  banner: {
    js: [
      '#!/usr/bin/env node',
      // ws is CommonJS: inside an ESM bundle its require() of Node's built-ins needs a real require.
      'import { createRequire as __vigilCreateRequire } from "node:module";',
      'const require = __vigilCreateRequire(import.meta.url);',
    ].join('\n'),
  },
  // ws would load these optional native addons if it found them; the agent never uses them (they
  // only speed up masking and UTF-8 checks), so the code that tries is removed and nothing native
  // or resolved at run time is left in the bundle.
  define: { 'process.env.WS_NO_BUFFER_UTIL': '"1"', 'process.env.WS_NO_UTF_8_VALIDATE': '"1"' },
  external: ['bufferutil', 'utf-8-validate'],
  logLevel: 'warning',
});

// The files with code in the bundle (the metafile's inputs include those tree-shaken away).
const bundled = Object.entries(Object.values(result.metafile.outputs)[0].inputs).filter(([, input]) => input.bytesInOutput > 0).map(([path]) => path);
// `import { z } from 'zod'` anywhere in the agent's files makes the bundle keep every zod locale.
const locales = bundled.filter((input) => /zod\/v4\/locales\/(?!en\.js$)/.test(input));
if (locales.length > 0) console.error(`build-satellite: warning: ${locales.length} zod locales bundled; import zod as \`import * as z from 'zod'\` in satellite/ and protocol/`);

mkdirSync(outputFolder, { recursive: true });
const [bundle] = result.outputFiles;
// Written next to it and renamed: a process starting the agent meanwhile (tests run in parallel)
// sees the old file or the new one, never half of one.
writeFileSync(`${bundlePath}.tmp`, bundle.contents, { mode: 0o755 });
renameSync(`${bundlePath}.tmp`, bundlePath);
writeFileSync(noticesPath, thirdPartyNotices(bundled));

/** The license of every package bundled into the agent (their licenses ask for it to travel with copies). */
function thirdPartyNotices(inputs) {
  const packageFolders = new Set();
  for (const input of inputs) {
    const folder = packageFolderOf(join(root, input));
    if (folder !== root) packageFolders.add(folder);
  }
  const sections = [...packageFolders].sort().map((folder) => {
    const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
    const licenseFile = readdirSync(folder).find((name) => /^licen[sc]e(\.(md|txt))?$/i.test(name));
    if (!licenseFile) throw new Error(`build-satellite: ${manifest.name} has no license file`);
    return `${manifest.name} ${manifest.version} (${manifest.license})\n\n${readFileSync(join(folder, licenseFile), 'utf8').trim()}\n`;
  });
  return `vigil-satellite bundles the following packages.\n\n${sections.join(`\n${'-'.repeat(72)}\n\n`)}`;
}

/** The folder of the package a file belongs to: the nearest package.json with a name (zod has nameless ones inside). */
function packageFolderOf(file) {
  for (let folder = dirname(file); folder !== dirname(folder); folder = dirname(folder)) {
    if (!existsSync(join(folder, 'package.json'))) continue;
    if (JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).name) return folder;
  }
  throw new Error(`build-satellite: ${file} belongs to no package`);
}

const kilobytes = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
if (process.env.npm_lifecycle_event !== 'build' || process.env.VIGIL_BUILD_VERBOSE) {
  console.error(`build-satellite: ${relative(root, bundlePath)} ${kilobytes(bundle.contents.length)}, ${dirname(relative(root, noticesPath))}/THIRD-PARTY-NOTICES.txt`);
}
