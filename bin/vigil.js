#!/usr/bin/env node
// The `vigil` command. Runs the built JavaScript in dist/ (`npm run build`; `npm install` and
// `npm start` build it): no TypeScript at run time. Exit codes: see cli/main.ts.
import { loadBuilt } from './load-built.js';

const { main } = await loadBuilt('vigil', 'dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
