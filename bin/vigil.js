#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx's ESM loader): no build step between a clone and a node.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  // Errors a command expects are answered inside it; anything reaching here is unexpected.
  // One line for the user; the stack only when asked (--debug or VIGIL_DEBUG=1).
  const debug = process.argv.includes('--debug') || process.env.VIGIL_DEBUG === '1';
  console.error(debug ? error : `vigil: ${error instanceof Error ? error.message : String(error)} (run again with --debug for details)`);
  process.exitCode = 1;
}
