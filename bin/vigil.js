#!/usr/bin/env node
// The `vigil` command. Runs the built JavaScript in dist/ (`npm run build`; `npm install` and
// `npm start` build it): no TypeScript at run time.
import { loadBuilt } from './load-built.js';

const { main } = await loadBuilt('vigil', 'dist/cli/main.js');
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  // Errors a command expects are answered inside it; anything reaching here is unexpected.
  // One line for the user; the stack only when asked (--debug or VIGIL_DEBUG=1).
  const debug = process.argv.includes('--debug') || process.env.VIGIL_DEBUG === '1';
  console.error(debug ? error : `vigil: ${error instanceof Error ? error.message : String(error)} (run again with --debug for details)`);
  process.exitCode = 1;
}
