/**
 * How a staged rollout (e.g. 5% → 25% → 50% → 100%) that SageMaker cannot express exactly is
 * rendered. SageMaker blue/green offers one canary step or equal linear steps; a staged plan with
 * equal steps becomes LINEAR exactly.
 */
export enum StagedRolloutFallback {
  /** Fail synthesis with an error explaining the options. */
  REJECT = 'REJECT',
  /** Use the first step as a canary, then move the rest (warns at synth). */
  FIRST_STEP_AS_CANARY = 'FIRST_STEP_AS_CANARY',
}
