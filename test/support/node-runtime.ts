import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const script = fileURLToPath(new URL('../../scripts/node-runtime.sh', import.meta.url));

/**
 * The path of a Node.js binary of `major`, from the npm registry, cached in `.cache/node-<major>/`
 * (see scripts/node-runtime.sh: on a glibc older than 2.38 it runs on Debian 13's glibc). The first
 * call on a machine downloads ~30 MB; later ones only check the binary runs.
 */
export async function nodeRuntime(major: number): Promise<string> {
  const { stdout } = await promisify(execFile)(script, [String(major)], { maxBuffer: 1 << 20 });
  return stdout.trim().split('\n').at(-1)!;
}
