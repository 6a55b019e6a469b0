// Drift math: baselines, PSI, two-sample Kolmogorov–Smirnov, chi-squared. Pure and dependency-free
// (zod only, for the baseline document), one file per concern. Checked against numpy/scipy by
// test/core/drift.test.ts with the fixtures that scripts/drift-reference.py writes.
export * from './types';
export * from './drift-math';
export { binCountsOf, ksStatisticOf, numericDriftOf, psiFromCounts, quantileCutPoints } from './kernels';
export { lnGamma, regularizedUpperGamma } from './gamma';
