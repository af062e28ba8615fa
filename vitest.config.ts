import { defineConfig } from 'vitest/config';
import { SummaryReporter } from './test/support/summary-reporter.ts';

export default defineConfig({
  test: {
    include: ['machines/**/*.test.ts', 'automations/**/*.test.ts', 'satellite/**/*.test.ts', 'protocol/**/*.test.ts', 'node/**/*.test.ts', 'actors/**/*.test.ts', 'bus/**/*.test.ts', 'persistence/**/*.test.ts', 'gateway/**/*.test.ts', 'cli/**/*.test.ts', 'setup/**/*.test.ts', 'test/**/*.test.ts'],
    // Integration tests start real processes and servers; give them room but keep a ceiling.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: files run in parallel two at a time; every file isolates itself (own database, own namespace).
    reporters: ['default', new SummaryReporter()],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
