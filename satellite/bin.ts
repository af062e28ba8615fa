import { main } from './main.ts';

// The entry point of the bundled agent (scripts/build-satellite.mjs): runs it with this process's
// arguments and environment, and exits with the code it resolves once everything is closed.
process.exitCode = await main(process.argv.slice(2), process.env);
