import type { Reporter, RunnerTestFile, RunnerTask } from 'vitest';

/**
 * Adds one plain closing line, `N passed, N failed, N skipped`, after vitest's own report, so
 * CI (and anyone grepping a log) can read the outcome without parsing colours; before it, the
 * slowest files of a run of more than a dozen.
 */
export class SummaryReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = []): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const visit = (task: RunnerTask) => {
      if ('tasks' in task && task.tasks.length > 0) return task.tasks.forEach(visit);
      if (task.type !== 'test') return;
      const state = task.result?.state;
      if (state === 'pass') counts.passed++;
      else if (state === 'fail') counts.failed++;
      else counts.skipped++;
    };
    files.forEach(visit);
    // A file that failed to load has no tests but failed.
    counts.failed += files.filter((file) => file.result?.state === 'fail' && file.tasks.length === 0).length;
    // The slowest files, to keep `npm test` inside its 15-minute budget (docs: README, "Tests").
    const slowest = files
      .map((file) => ({ name: file.name, ms: file.result?.duration ?? 0 }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 12);
    if (files.length > 12) console.log(`\nslowest files:\n${slowest.map((file) => `  ${(file.ms / 1000).toFixed(1).padStart(6)} s  ${file.name}`).join('\n')}`);
    console.log(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  }
}
