#!/usr/bin/env node
// The satellite agent, run from its TypeScript sources through tsx (see satellite/main.ts).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../satellite/main.ts');
process.exitCode = await main();
