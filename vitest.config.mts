import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Synthesizing CDK apps with cdk-nag takes seconds on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Each test file writes under its own TMPDIR, removed at its end (test/support/temp-dir.ts), inside
    // one folder for the run, removed at the run's end (test/support/run-temp-dir.ts; with --no-isolate
    // the files of a run share that one).
    globalSetup: ['./test/support/run-temp-dir.ts'],
    setupFiles: ['./test/support/temp-dir.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    snapshotFormat: { printBasicPrototype: false },
  },
});
