#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx's ESM loader): no build step between a clone and a node.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
