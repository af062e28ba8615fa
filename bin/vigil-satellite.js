#!/usr/bin/env node
// The satellite agent (see satellite/main.ts), from the built JavaScript in dist/ (`npm run build`).
import { loadBuilt } from './load-built.js';

const { main } = await loadBuilt('vigil-satellite', 'satellite/main.js');
process.exitCode = await main();
