import { IConstruct } from 'constructs';
import { warningsOf } from '../core/warnings';

/** A warning a construct carries. */
export interface ConstructWarning {
  /** Path of the construct that carries it. */
  readonly constructPath: string;
  /** The id that names it (`cdk-mlops:<construct>:<what>`). */
  readonly id: string;
  /** What to know. */
  readonly message: string;
}

/**
 * The warnings of Kubernetes constructs. cdk-mlops records warnings on both targets the same way
 * (construct metadata in the format of aws-cdk-lib's `Annotations.addWarningV2`): on AWS `cdk synth`
 * prints them; cdk8s prints nothing, so a chart's app reads them here, e.g. to fail CI on any:
 *
 *     const warnings = k8s.Warnings.of(app);
 */
export class Warnings {
  /** Every warning on `scope` and the constructs below it, in construct-tree order. */
  public static of(scope: IConstruct): ConstructWarning[] {
    return warningsOf(scope);
  }

  private constructor() {}
}
