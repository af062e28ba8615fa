import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * vitest global setup: builds dist/ once before any test, so tests that start `bin/vigil.js` or
 * `bin/vigil-satellite.js` run the JavaScript built from the sources under test (incremental: a
 * second run takes about a second when nothing changed).
 */
export function setup(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: fileURLToPath(new URL('../../', import.meta.url)), stdio: 'inherit' });
}
