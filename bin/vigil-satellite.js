#!/usr/bin/env node
// The satellite agent (see satellite/main.ts), from the built JavaScript in dist/ (`npm run build`).
let main;
try {
  ({ main } = await import('../dist/satellite/main.js'));
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/satellite/main.js')) throw error;
  console.error('vigil-satellite: dist/ is missing: run `npm run build` in the checkout (npm install does it)');
  process.exit(2);
}
process.exitCode = await main();
