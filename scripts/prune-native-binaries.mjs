// Deletes the uWebSockets.js binaries (uws_<platform>_<arch>_<ABI>.node) that the Node running this
// script cannot load: other platforms, architectures and Node versions. Both installed builds ship
// them all (about 220 MB together); one Node on one machine needs at most one file of each. For
// images and other installs that never change their Node (the Dockerfile runs it after `npm prune`);
// a checkout keeps them all. Prints what it freed.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const keep = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
const folders = ['node_modules/uWebSockets.js', 'node_modules/@trufflesuite/uws-js-unofficial/binaries', 'node_modules/@trufflesuite/uws-js-unofficial/dist'];
let freed = 0;
for (const folder of folders) {
  let names;
  try {
    names = readdirSync(folder);
  } catch {
    continue; // that build is not installed
  }
  for (const name of names) {
    if (!/^uws_.*\.node$/.test(name) || name === keep) continue;
    const file = join(folder, name);
    freed += statSync(file).size;
    rmSync(file);
  }
}
console.log(`kept ${keep}; freed ${(freed / 2 ** 20).toFixed(0)} MiB of other uWebSockets.js binaries`);
