import { defineConfig } from 'vitest/config';
import { SummaryReporter } from './test/support/summary-reporter.ts';
import { scaled } from './test/support/time-scale.ts';

export default defineConfig({
  test: {
    // Every test file anywhere in the project, so one in a new folder always runs.
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '.git/**'],
    // Integration tests start real processes and servers; give them room but keep a ceiling.
    // VIGIL_TEST_TIME_SCALE stretches these and every wait in test/support (see time-scale.ts).
    testTimeout: scaled(60_000),
    hookTimeout: scaled(60_000),
    // Two cores: files run in parallel two at a time; every file isolates itself (own database, own namespace).
    reporters: ['default', new SummaryReporter()],
    // The bins run dist/: build it from the sources under test first.
    globalSetup: ['test/support/build-once.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
