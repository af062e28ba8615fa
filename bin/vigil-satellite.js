#!/usr/bin/env node
// The satellite agent: runs the same single-file bundle that packages/satellite ships
// (scripts/build-satellite.mjs, part of `npm run build`), so what the tests and the image run is
// exactly what an agent installed alone runs. Importing it starts the agent; it sets the exit code.
import { loadBuilt } from './load-built.js';

await loadBuilt('vigil-satellite', 'packages/satellite/dist/vigil-satellite.js');
