/**
 * The experiment math for services (an application assigning users, a notebook reading a result):
 * the same code `aws.Experiment`'s function and `k8s.Experiment`'s decision Job run.
 */

import { VariantAssignment } from './variant-assignment';
import { ExperimentMath } from '../core/experiment/experiment-math';
import { ExperimentSpec } from '../core/experiment/spec';
import { DEFAULT_CHALLENGER_PERCENT, ExperimentDecision, ExperimentDecisionInput, ExperimentDesign } from '../core/experiment/types';

/** An arm of an experiment. */
export enum ExperimentArm {
  /** The served version. */
  CONTROL = 'CONTROL',
  /** The candidate. */
  CHALLENGER = 'CHALLENGER',
}

/** Design, assignment and decision of an online experiment, for the code around it. */
export class ExperimentAnalysis {
  /**
   * The arm of a unit (a user id): sticky (the same id always gets the same arm), split by
   * `challengerPercent`, salted with the experiment's name (a new experiment reshuffles the users).
   * Send it as SageMaker's `TargetVariant` (AWS) or as the variant header (Kubernetes, NGINX).
   */
  public static assign(unitId: string, spec: ExperimentSpec): ExperimentArm {
    const challenger = spec.challengerPercent ?? DEFAULT_CHALLENGER_PERCENT;
    const arm = VariantAssignment.assign(unitId, [
      { name: ExperimentArm.CONTROL, weight: 100 - challenger },
      { name: ExperimentArm.CHALLENGER, weight: challenger },
    ], spec.name);
    return arm as ExperimentArm;
  }

  /** The design (sample sizes, planned runtime): `core.ExperimentMath.design`. */
  public static design(spec: ExperimentSpec): ExperimentDesign {
    return ExperimentMath.design(spec);
  }

  /** The decision on the observations so far: `core.ExperimentMath.decide`. */
  public static decide(input: ExperimentDecisionInput): ExperimentDecision {
    return ExperimentMath.decide(input);
  }
}
